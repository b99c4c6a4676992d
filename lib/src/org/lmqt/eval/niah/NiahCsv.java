package org.lmqt.eval.niah;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.cli.UserException;
import org.lmqt.io.AtomicFiles;
import org.lmqt.io.PandasCsv;
import org.lmqt.report.TidyCsv;

/**
 * The needle test's result file: one row per cell, columns {@link #HEADER}; the answer always quoted (it keeps
 * its spaces and line breaks), other fields quoted when they hold a comma, a quote or a line break. Written whole
 * and atomically after every cell, so a killed run keeps every finished cell and a rerun skips them.
 */
public final class NiahCsv {
    /** The columns. */
    public static final List<String> HEADER = List.of("model", "quantization", "length", "depth", "prompt_tokens",
            "score", "exact_match", "answer");

    private NiahCsv() {}

    /** The rows of {@code file}; none when it does not exist; a one-line error for another file's header. */
    public static List<NiahRow> read(Path file) {
        if (!Files.exists(file)) {
            return List.of();
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<List<String>> records = records(text, file);
        if (records.isEmpty() || !records.get(0).equals(HEADER)) {
            throw new UserException(file + ": not a needle-test result file (header " + (records.isEmpty() ? "missing"
                    : records.get(0)) + ", expected " + HEADER + ")");
        }
        List<NiahRow> rows = new ArrayList<>();
        for (int r = 1; r < records.size(); r++) {
            List<String> f = records.get(r);
            try {
                if (f.size() != HEADER.size()) {
                    throw new IllegalArgumentException(f.size() + " fields, expected " + HEADER.size());
                }
                rows.add(new NiahRow(f.get(0), f.get(1), Integer.parseInt(f.get(2)), Double.parseDouble(f.get(3)),
                        Integer.parseInt(f.get(4)), Integer.parseInt(f.get(5)), Integer.parseInt(f.get(6)), f.get(7)));
            } catch (IllegalArgumentException e) {
                throw new UserException(file + ": record " + (r + 1) + ": " + e.getMessage());
            }
        }
        return rows;
    }

    /** Writes {@code rows} to {@code file} atomically. */
    public static void write(Path file, List<NiahRow> rows) {
        AtomicFiles.writeText(file, w -> {
            w.write(String.join(",", HEADER));
            w.write('\n');
            for (NiahRow r : rows) {
                w.write(String.join(",", PandasCsv.quote(r.model()), PandasCsv.quote(r.quantization()),
                        Integer.toString(r.length()), TidyCsv.number(r.depth()), Integer.toString(r.promptTokens()),
                        Integer.toString(r.score()), Integer.toString(r.exactMatch()), quoted(r.answer())));
                w.write('\n');
            }
        });
    }

    private static String quoted(String s) {
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** The records of a CSV text: fields split at commas, quoted fields may hold commas, quotes and line breaks. */
    static List<List<String>> records(String text, Path file) {
        List<List<String>> out = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
                continue;
            }
            if (c == '"') {
                quoted = true;
                any = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                any = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                if (any || field.length() > 0) {
                    fields.add(field.toString());
                    out.add(List.copyOf(fields));
                }
                fields.clear();
                field.setLength(0);
                any = false;
            } else {
                field.append(c);
                any = true;
            }
        }
        if (quoted) {
            throw new UserException(file + ": unterminated quoted field at the end");
        }
        if (any || field.length() > 0) {
            fields.add(field.toString());
            out.add(List.copyOf(fields));
        }
        return out;
    }
}
