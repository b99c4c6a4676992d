package org.lmqt.serve;

import java.util.List;

/**
 * The stop strings of a request over a growing decoded text: where the first one starts, and how much of the text
 * can be sent without ever having to take it back (not a possible start of a stop string, not a partly decoded
 * character).
 */
record StopStrings(List<String> stops) {
    StopStrings {
        stops = List.copyOf(stops);
    }

    /** Index of the earliest occurrence of any stop string in {@code text}, or -1. */
    int firstStop(String text) {
        int first = -1;
        for (String s : stops) {
            int i = text.indexOf(s);
            if (i >= 0 && (first < 0 || i < first)) {
                first = i;
            }
        }
        return first;
    }

    /**
     * Length of the prefix of {@code text} that is final: without trailing replacement characters (a multi-byte
     * character whose bytes are not all generated yet) and without the longest suffix that begins a stop string.
     */
    int safeLength(String text) {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '\uFFFD') {
            end--;
        }
        int hold = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, end); k > hold; k--) {
                if (text.startsWith(s.substring(0, k), end - k)) {
                    hold = k;
                    break;
                }
            }
        }
        return end - hold;
    }
}
