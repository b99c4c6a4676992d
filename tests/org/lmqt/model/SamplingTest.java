package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Greedy, temperature and nucleus (top-p) choices. */
class SamplingTest {
    /** Probabilities 0.1, 0.2, 0.3, 0.4 at temperature 1. */
    private static final float[] LOGITS = {(float) Math.log(1), (float) Math.log(2), (float) Math.log(3),
            (float) Math.log(4)};

    private static int[] counts(Sampling s, int draws) {
        Sampling.Chooser c = s.chooser();
        int[] n = new int[LOGITS.length];
        for (int i = 0; i < draws; i++) {
            n[c.choose(LOGITS, 0, LOGITS.length)]++;
        }
        return n;
    }

    @Test
    void greedyIsTheArgmaxWhateverTopP() {
        assertEquals(4000, counts(new Sampling(0, 1, 0.2), 4000)[3]);
        assertEquals(4000, counts(Sampling.GREEDY, 4000)[3]);
    }

    @Test
    void topPOneKeepsThePlainSamplersDraws() {
        Sampling.Chooser plain = new Sampling(0.7, 5).chooser();
        Sampling.Chooser full = new Sampling(0.7, 5, 1.0).chooser();
        for (int i = 0; i < 1000; i++) {
            assertEquals(plain.choose(LOGITS, 0, 4), full.choose(LOGITS, 0, 4));
        }
    }

    @Test
    void theNucleusIsTheSmallestSetReachingTopP() {
        int[] half = counts(new Sampling(1, 3, 0.5), 20000);       // {0.4, 0.3} reach 0.5
        assertEquals(0, half[0] + half[1]);
        double ratio = (double) half[3] / half[2];
        assertTrue(Math.abs(ratio - 4.0 / 3) < 0.08, "renormalized 4:3, got " + ratio);
        int[] top = counts(new Sampling(1, 3, 0.35), 2000);        // 0.4 alone reaches 0.35
        assertEquals(2000, top[3]);
        int[] most = counts(new Sampling(1, 3, 0.95), 20000);      // all four needed
        assertTrue(most[0] > 0, "the least likely token is in a 0.95 nucleus");
        assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 0, 1.5));
    }
}
