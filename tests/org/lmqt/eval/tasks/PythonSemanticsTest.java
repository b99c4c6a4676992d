package org.lmqt.eval.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Python string rules of spec section 6 and the edge cases of request building the fixtures do not reach. */
class PythonSemanticsTest {
    @Test
    void stripRemovesPythonSpacesJavaKeeps() {
        assertEquals("a b", PyStr.strip("\u00A0\u0085 a b\u202F\u2007\u001C"));
        assertEquals(" x", PyStr.rstrip(" x\u3000"));
    }

    @Test
    void capitalizeTitleCasesTheFirstAndLowersTheRest() {
        assertEquals("Then the man", PyStr.capitalize("then the Man"));
        assertEquals("Ssa", PyStr.capitalize("ßA"));
        assertEquals("ǅa", PyStr.capitalize("ǆA"));
        assertEquals("", PyStr.capitalize(""));
    }

    @Test
    void splitKeepsEmptyWordsAndLenCountsCodePoints() {
        assertEquals(List.of("a", "", "b", ""), PyStr.splitOnSpace("a  b "));
        assertEquals(1, PyStr.len("\uD83D\uDE00"));
    }

    @Test
    void bracketRemovalIsLazyAndStopsAtNewlinesOnly() {
        assertEquals("a  b", PyStr.removeBracketed("a [x] b[y]"));
        assertEquals("[a\nb]", PyStr.removeBracketed("[a\nb]"));
        assertEquals("", PyStr.removeBracketed("[a\u2028b]"));
    }

    @Test
    void hellaswagShrinksThreeSpacesToTwo() {
        assertEquals(" x.  Choose", HellaswagTask.preprocess("[title] x.   Choose"));
    }

    @Test
    void anEmptyAnswerIsATurnWithoutDelimiters() {
        assertEquals("Q", RenderedDoc.loglikelihood("Q", "").fewshotTurn());
        assertEquals("Q yes\n\n", RenderedDoc.multipleChoice("Q", List.of("no", "yes"), 1).fewshotTurn());
        assertEquals("ab c\n\n", RenderedDoc.multipleInput(List.of("aa", "ab"), "c", 1).fewshotTurn());
    }

    @Test
    void outOfRangeGoldNeverMatchesAndZeroLengthChoicesFollowNumpy() {
        RenderedDoc doc = RenderedDoc.multipleChoice("Q", List.of("", "ab"), 5);
        assertEquals(RenderedDoc.NO_GOLD, doc.gold());
        ChoiceScore score = ChoiceScore.of(doc, new double[] {-1, -3});
        assertEquals(0, score.pred());
        assertEquals(1, score.predNorm(), "-1/0 = -inf loses");
        assertEquals(0.0, score.acc());
        assertEquals(0, ChoiceScore.of(doc, new double[] {0, -3}).predNorm(), "0/0 = nan wins, as numpy's argmax");
    }

    @Test
    void lambadaKeepsATrailingSpaceAsTarget() {
        RenderedDoc doc = new LambadaTask().render(new LambadaTask.Doc("he said "));
        assertEquals("he said", doc.text());
        assertEquals(" ", doc.target());
    }

    @Test
    void badKeysRaiseAsInPython() {
        assertThrows(IllegalArgumentException.class, () -> new LabeledChoices(List.of("a"), List.of("A")).indexOf("B"));
        assertThrows(IllegalArgumentException.class,
                () -> new WinograndeTask().render(new WinograndeTask.Doc("no blank", "a", "b", "1")));
        assertThrows(IllegalArgumentException.class,
                () -> new WinograndeTask().render(new WinograndeTask.Doc("a _ b", "a", "b", "")));
    }
}
