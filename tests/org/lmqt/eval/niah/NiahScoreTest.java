package org.lmqt.eval.niah;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Normalisation and the two scores. */
class NiahScoreTest {
    private static final NeedleSpec SF = NeedleSpec.SAN_FRANCISCO;

    @Test
    void normalisationFoldsCasePunctuationSpacesAndCompatibilityForms() {
        assertEquals("eat a sandwich and sit in dolores park", NiahScore.normalize("  Eat a SANDWICH, and sit —\n"
                + "in \"Dolores\" Park!  "));
        assertEquals("fi 2", NiahScore.normalize("ﬁ ²"));   // NFKC: ligature and superscript
        assertEquals("", NiahScore.normalize(" .,;- "));
        assertEquals("café 42", NiahScore.normalize("Café... 42"));
    }

    @Test
    void theNeedleSentenceIsAnExactMatchAndAContainingAnswerASubstringMatch() {
        NiahScore sentence = NiahScore.of(" The best thing to do in San Francisco is eat a sandwich and sit in "
                + "Dolores Park on a sunny day.\n", SF);
        assertTrue(sentence.exact());
        assertTrue(sentence.substring());
        NiahScore phrase = NiahScore.of("Eat a sandwich and sit in Dolores Park, on a sunny day!", SF);
        assertTrue(phrase.exact());
        NiahScore longer = NiahScore.of("Based on the text: eat a sandwich and sit in Dolores Park on a sunny day. "
                + "Enjoy.", SF);
        assertTrue(longer.substring());
        assertFalse(longer.exact());
    }

    @Test
    void misses() {
        NiahScore wrong = NiahScore.of("Visit the Golden Gate Bridge.", SF);
        assertFalse(wrong.substring());
        assertFalse(wrong.exact());
        assertFalse(NiahScore.of("eat a sandwich and sit in Dolores Park", SF).substring()); // cut short
        assertFalse(NiahScore.of("", SF).substring());
        // word-aligned: the expected answer inside a longer word does not count
        NeedleSpec pass = new NeedleSpec("The pass key is 123.", "What is the pass key?", "123");
        assertFalse(NiahScore.of("41234", pass).substring());
        assertTrue(NiahScore.of("It is 123.", pass).substring());
        assertThrows(IllegalArgumentException.class, () -> new NeedleSpec("n", "q", " ?! "));
        // the passkey test: the completion after "The pass key is"
        NeedleSpec key = NeedleSpec.passkey(28411);
        assertTrue(NiahScore.of(" 28411. Remember it.", key).substring());
        assertTrue(NiahScore.of(" 28411.", key).exact());
        assertFalse(NiahScore.of(" 2841", key).substring());
    }
}
