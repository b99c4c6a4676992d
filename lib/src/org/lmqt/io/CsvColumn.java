package org.lmqt.io;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.cli.UserException;

/**
 * The records of an RFC 4180 CSV file, or one of its columns, as pandas' {@code read_csv} reads them:
 * comma-separated fields, records ended by LF, CRLF or CR, fields in double quotes may hold commas, line breaks and
 * doubled quotes; a leading UTF-8 BOM is ignored, blank lines are skipped, a missing or empty field is "".
 */
public final class CsvColumn {
    private final Reader in;
    private final String where;
    private int pending = -2;

    private CsvColumn(Reader in, String where) {
        this.in = in;
        this.where = where;
    }

    /** Every record of {@code file}, the header first; a one-line error for an unterminated quoted field. */
    public static List<List<String>> records(java.nio.file.Path file) {
        try (Reader r = java.nio.file.Files.newBufferedReader(file, java.nio.charset.StandardCharsets.UTF_8)) {
            CsvColumn csv = new CsvColumn(r, file.toString());
            List<List<String>> out = new ArrayList<>();
            for (List<String> record; (record = csv.nextRecord()) != null; ) {
                out.add(List.copyOf(record));
            }
            if (!out.isEmpty() && !out.get(0).isEmpty() && out.get(0).get(0).startsWith("\uFEFF")) {
                List<String> header = new ArrayList<>(out.get(0));
                header.set(0, header.get(0).substring(1));
                out.set(0, List.copyOf(header));
            }
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The values of column {@code column} (named in the header row) in file order. */
    static List<String> read(Reader in, String column, String where) throws IOException {
        CsvColumn csv = new CsvColumn(in, where);
        List<String> header = csv.nextRecord();
        if (header == null) {
            throw new UserException(where + ": empty CSV file");
        }
        if (!header.isEmpty() && header.get(0).startsWith("\uFEFF")) {
            header.set(0, header.get(0).substring(1));
        }
        int index = header.indexOf(column);
        if (index < 0) {
            throw new UserException(where + ": no column '" + column + "' in the header " + header);
        }
        List<String> values = new ArrayList<>();
        for (List<String> record; (record = csv.nextRecord()) != null; ) {
            if (record.size() > header.size()) {
                throw new UserException(where + ": record " + (values.size() + 1) + " has " + record.size()
                        + " fields, the header " + header.size());
            }
            values.add(index < record.size() ? record.get(index) : "");
        }
        return values;
    }

    /** The fields of the next non-blank record, or {@code null} at the end of the file. */
    private List<String> nextRecord() throws IOException {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean blank = true;
        for (int c = read(); ; c = read()) {
            if (c < 0) {
                if (quoted) {
                    throw new UserException(where + ": a quoted field is not closed at the end of the file");
                }
                if (blank) {
                    return null;
                }
                fields.add(field.toString());
                return fields;
            }
            if (quoted) {
                if (c != '"') {
                    field.append((char) c);
                } else if (peek() == '"') {
                    field.append((char) read());
                } else {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
                blank = false;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                blank = false;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && peek() == '\n') {
                    read();
                }
                if (!blank) {
                    fields.add(field.toString());
                    return fields;
                }
            } else {
                field.append((char) c);
                blank = false;
            }
        }
    }

    private int read() throws IOException {
        int c = pending != -2 ? pending : in.read();
        pending = -2;
        return c;
    }

    private int peek() throws IOException {
        if (pending == -2) {
            pending = in.read();
        }
        return pending;
    }
}
