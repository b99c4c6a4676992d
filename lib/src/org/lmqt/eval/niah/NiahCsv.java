package org.lmqt.eval.niah;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.cli.UserException;
import org.lmqt.io.AtomicFiles;
import org.lmqt.io.CsvColumn;
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
        List<List<String>> records = CsvColumn.records(file);
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
}
