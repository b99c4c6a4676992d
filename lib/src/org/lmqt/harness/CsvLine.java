package org.lmqt.harness;

import java.util.ArrayList;
import java.util.List;
import org.lmqt.io.PandasCsv;

/**
 * One CSV record as pandas writes it: fields joined with commas, a field quoted (inner quotes doubled) only when it
 * holds a comma, a quote or a line break. The harness files never hold line breaks inside fields.
 */
final class CsvLine {

    private CsvLine() {}

    /** Joins {@code fields} into one record (no line terminator). */
    static String join(List<String> fields) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(PandasCsv.quote(fields.get(i)));
        }
        return sb.toString();
    }


    /** Splits one record into its fields; a one-line error for an unterminated quote. */
    static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unterminated quote in CSV record: " + line);
        }
        fields.add(field.toString());
        return fields;
    }
}
