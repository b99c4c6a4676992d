package org.lmqt.eval.niah;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Placement of the needle: exact lengths, depth 0 / 100 / in between at sentence ends, the haystack kept in order. */
class HaystackTest {
    private static final CharCodec CODEC = new CharCodec();
    private static final String TEXT = "One two three. Four five six seven. Eight nine.  Ten eleven twelve thirteen. ";
    private static final String NEEDLE = "\nNEEDLE sentence.\n";

    private static String text(Placement p) {
        return CODEC.decode(p.ids());
    }

    /** The context with the needle taken out. */
    private static long[] withoutNeedle(Placement p) {
        long[] ids = p.ids();
        long[] out = new long[ids.length - p.needleLength()];
        System.arraycopy(ids, 0, out, 0, p.needleStart());
        System.arraycopy(ids, p.needleStart() + p.needleLength(), out, p.needleStart(),
                ids.length - p.needleStart() - p.needleLength());
        return out;
    }

    @Test
    void everyContextHasExactlyItsLengthAndTheNeedleOnceAndTheHaystackInOrder() {
        Haystack h = Haystack.of(CODEC, TEXT, NEEDLE, 1000);
        long[] hay = h.tokens();
        assertEquals(1000 - NEEDLE.length(), hay.length);
        // the haystack is the text repeated (it is shorter than the longest context)
        assertEquals(TEXT.repeat(20).substring(0, hay.length), CODEC.decode(hay));
        for (int length : List.of(NEEDLE.length() + 1, 50, 333, 1000)) {
            for (double depth : List.of(0.0, 12.5, 33.0, 50.0, 90.0, 100.0)) {
                Placement p = h.place(length, depth);
                assertEquals(length, p.length(), "length " + length + " depth " + depth);
                String t = text(p);
                assertEquals(t.indexOf("NEEDLE"), t.lastIndexOf("NEEDLE"));
                assertEquals(NEEDLE, CODEC.decode(Arrays.copyOfRange(p.ids(), p.needleStart(),
                        p.needleStart() + p.needleLength())));
                assertArrayEquals(Arrays.copyOf(hay, length - NEEDLE.length()), withoutNeedle(p));
            }
        }
    }

    @Test
    void depthZeroPutsTheNeedleFirstAndDepth100Last() {
        Haystack h = Haystack.of(CODEC, TEXT, NEEDLE, 400);
        Placement first = h.place(300, 0);
        assertEquals(0, first.needleStart());
        assertTrue(text(first).startsWith(NEEDLE + "One two"));
        Placement last = h.place(300, 100);
        assertEquals(300 - NEEDLE.length(), last.needleStart());
        assertTrue(text(last).endsWith(NEEDLE), text(last));
    }

    @Test
    void inBetweenTheNeedleGoesAfterTheNearestSentenceEndAtOrBeforeTheDepth() {
        Haystack h = Haystack.of(CODEC, TEXT, NEEDLE, 400);
        int length = 300;
        int body = length - NEEDLE.length();
        for (double depth : List.of(10.0, 25.0, 50.0, 75.0, 99.0)) {
            Placement p = h.place(length, depth);
            int target = (int) (body * (depth / 100));
            String before = text(p).substring(0, p.needleStart());
            assertTrue(p.needleStart() <= target, depth + ": " + p.needleStart() + " > " + target);
            assertTrue(before.endsWith("."), depth + ": not after a sentence end: ..." + before);
            // nearest: no sentence end between the needle and the depth's token
            String skipped = CODEC.decode(Arrays.copyOfRange(h.tokens(), p.needleStart(), target));
            assertEquals(-1, skipped.indexOf('.'), depth + ": skipped a sentence end in '" + skipped + "'");
        }
        // 50 % of 282 body characters is 141; the last sentence end before it is "nine." of the second copy (124)
        Placement mid = h.place(length, 50);
        assertEquals(TEXT.length() + TEXT.indexOf("nine.") + 5, mid.needleStart());
    }

    @Test
    void aSentenceEndMayCarryTrailingWhitespaceButAnEarlierTextWithoutOneStartsAtZero() {
        // whole-word tokens: "nine.\n" ends a sentence although its last character is a line break
        TokenCodec words = new TokenCodec() {
            private final List<String> vocab = List.of("alpha ", "beta ", "nine.\n", "gamma ", "N!");

            @Override
            public long[] encode(String text, boolean specials) {
                return Arrays.stream(text.split("(?<=[ \\n!])")).mapToLong(vocab::indexOf).toArray();
            }

            @Override
            public String decode(long[] ids) {
                StringBuilder sb = new StringBuilder();
                for (long id : ids) {
                    sb.append(vocab.get((int) id));
                }
                return sb.toString();
            }
        };
        Haystack h = Haystack.of(words, "alpha beta nine.\ngamma gamma gamma ", "N!", 8);
        assertEquals(3, h.place(7, 80).needleStart());   // target 4 (gamma) -> after "nine.\n"
        assertEquals(0, h.place(7, 40).needleStart());   // target 2: no sentence end before it
    }

    @Test
    void depthStepsAndBadInput() {
        assertEquals(List.of(0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0), Haystack.depths(10));
        assertEquals(List.of(0.0, 30.0, 60.0, 90.0, 100.0), Haystack.depths(30));
        assertEquals(List.of(0.0, 100.0), Haystack.depths(100));
        assertThrows(IllegalArgumentException.class, () -> Haystack.depths(0));
        Haystack h = Haystack.of(CODEC, TEXT, NEEDLE, 100);
        assertThrows(IllegalArgumentException.class, () -> h.place(101, 50));           // longer than prepared
        assertThrows(IllegalArgumentException.class, () -> h.place(NEEDLE.length(), 50)); // no room for haystack
        assertThrows(IllegalArgumentException.class, () -> h.place(80, 101));
        assertThrows(IllegalArgumentException.class, () -> Haystack.of(CODEC, " ", NEEDLE, 100));
        assertThrows(IllegalArgumentException.class, () -> Haystack.of(CODEC, TEXT, NEEDLE, NEEDLE.length()));
    }
}
