package org.lmqt.eval.tasks;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** The Python {@code str} semantics lm-eval's templates and task functions rely on (spec section 6). */
public final class PyStr {
    /** {@code \[.*?\]} where {@code .} stops only at {@code \n}, as in Python's {@code re}. */
    private static final Pattern BRACKETED = Pattern.compile("\\[.*?\\]", Pattern.UNIX_LINES);

    private PyStr() {}

    /** Python's {@code str.isspace()} for one code point. */
    public static boolean isSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** {@code s.strip()}. */
    public static String strip(String s) {
        return lstrip(rstrip(s));
    }

    /** {@code s.lstrip()}. */
    public static String lstrip(String s) {
        int begin = 0;
        while (begin < s.length() && isSpace(s.charAt(begin))) {
            begin++;
        }
        return s.substring(begin);
    }

    /** {@code s.rstrip()} (every Python space is in the BMP, so chars suffice). */
    public static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    /** {@code s.capitalize()}: the first code point in title case (full mapping), the rest in lower case. */
    public static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        String rest = s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT);
        return titleCase(first) + rest;
    }

    /** Full title case of one code point: Java's simple mapping, else the first of its upper-case expansion. */
    private static String titleCase(int cp) {
        int simple = Character.toTitleCase(cp);
        String upper = new String(Character.toChars(cp)).toUpperCase(Locale.ROOT);
        if (simple != cp || upper.codePointCount(0, upper.length()) <= 1) {
            return new String(Character.toChars(simple));
        }
        // e.g. U+00DF: upper "SS", title "Ss"
        int head = upper.codePointAt(0);
        String tail = upper.substring(Character.charCount(head)).toLowerCase(Locale.ROOT);
        return new String(Character.toChars(head)) + tail;
    }

    /** {@code s.split(' ')}: every single space separates, empty parts are kept. */
    public static List<String> splitOnSpace(String s) {
        return List.of(s.split(" ", -1));
    }

    /** {@code re.sub(r"\[.*?\]", "", s)}. */
    public static String removeBracketed(String s) {
        return BRACKETED.matcher(s).replaceAll("");
    }

    /** Python's {@code len(s)}: code points. */
    public static int len(String s) {
        return s.codePointCount(0, s.length());
    }
}
