package org.lmqt.calib;

/** Python's {@code str.strip()}: removes leading and trailing characters for which {@code str.isspace()} holds. */
final class PyStrings {
    private PyStrings() {}

    /** {@code s.strip()} as Python does it (unlike {@link String#strip()}, no-break spaces and U+0085 count). */
    static String strip(String s) {
        int begin = 0;
        int end = s.length();
        while (begin < end && isSpace(s.charAt(begin))) {
            begin++;
        }
        while (end > begin && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(begin, end);
    }

    /** Python's whitespace: Unicode space separators, bidirectional classes WS, B and S (all in the BMP). */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }
}
