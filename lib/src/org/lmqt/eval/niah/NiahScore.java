package org.lmqt.eval.niah;

import java.text.Normalizer;
import java.util.Locale;

/**
 * Scores of one answer. Both compare normalised texts: Unicode NFKC, lower case, every run of characters that are
 * not letters or digits replaced by one space, trimmed ({@code "Eat a sandwich, and sit..."} and
 * {@code "eat a sandwich and sit"} are equal up to the cut).
 *
 * @param substring the normalised expected answer occurs in the normalised answer (the heat map's score)
 * @param exact     the normalised answer equals the normalised expected answer or the normalised needle sentence
 */
public record NiahScore(boolean substring, boolean exact) {
    /** Scores {@code answer} against the needle test's expected answer and needle. */
    public static NiahScore of(String answer, NeedleSpec spec) {
        String a = normalize(answer);
        String expected = normalize(spec.expected());
        boolean exact = a.equals(expected) || a.equals(normalize(spec.needle()));
        // a word-aligned occurrence: pad with spaces so "eat" does not match inside "great"
        boolean substring = (" " + a + " ").contains(" " + expected + " ");
        return new NiahScore(substring || exact, exact);
    }

    /** The normalised form of {@code text}. */
    public static String normalize(String text) {
        String s = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(s.length());
        boolean space = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetterOrDigit(cp)) {
                if (space && !out.isEmpty()) {
                    out.append(' ');
                }
                space = false;
                out.appendCodePoint(cp);
            } else {
                space = true;
            }
        }
        return out.toString();
    }
}
