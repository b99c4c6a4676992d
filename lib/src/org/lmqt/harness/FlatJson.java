package org.lmqt.harness;

import java.util.LinkedHashMap;
import java.util.Map;

/** A flat JSON object of string values ({@code {"a": "1", "b": "x"}}), for the harness's small state files. */
final class FlatJson {

    private FlatJson() {}

    /** The object with {@code fields} in order, one per line. */
    static String write(Map<String, String> fields) {
        StringBuilder sb = new StringBuilder("{\n");
        int i = 0;
        for (var e : fields.entrySet()) {
            sb.append("  ").append(quote(e.getKey())).append(": ").append(quote(e.getValue()))
                    .append(++i < fields.size() ? ",\n" : "\n");
        }
        return sb.append("}\n").toString();
    }

    /** Parses what {@link #write} wrote (any flat object of strings); a one-line error otherwise. */
    static Map<String, String> read(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        int[] pos = {skip(text, 0)};
        expect(text, pos, '{');
        if (peek(text, pos) == '}') {
            pos[0]++;
            return out;
        }
        while (true) {
            String key = string(text, pos);
            expect(text, pos, ':');
            out.put(key, string(text, pos));
            char c = peek(text, pos);
            pos[0]++;
            if (c == '}') {
                return out;
            }
            if (c != ',') {
                throw new IllegalArgumentException("expected ',' or '}' at " + (pos[0] - 1));
            }
        }
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static String string(String t, int[] pos) {
        expect(t, pos, '"');
        StringBuilder sb = new StringBuilder();
        for (int i = pos[0]; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '"') {
                pos[0] = i + 1;
                return sb.toString();
            }
            if (c == '\\' && i + 1 < t.length()) {
                char n = t.charAt(++i);
                switch (n) {
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(t.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                    default -> sb.append(n);
                }
            } else {
                sb.append(c);
            }
        }
        throw new IllegalArgumentException("unterminated string");
    }

    private static char peek(String t, int[] pos) {
        pos[0] = skip(t, pos[0]);
        if (pos[0] >= t.length()) {
            throw new IllegalArgumentException("unexpected end");
        }
        return t.charAt(pos[0]);
    }

    private static void expect(String t, int[] pos, char c) {
        if (peek(t, pos) != c) {
            throw new IllegalArgumentException("expected '" + c + "' at " + pos[0]);
        }
        pos[0]++;
    }

    private static int skip(String t, int i) {
        while (i < t.length() && Character.isWhitespace(t.charAt(i))) {
            i++;
        }
        return i;
    }
}
