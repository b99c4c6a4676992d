package org.lmqt.eval.niah;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The haystack of the needle test and the placement of the needle in it, as gkamradt's
 * LLMTest_NeedleInAHaystack places it ({@code insert_needle}): the haystack text repeated until it is long enough,
 * tokenized once and cut to {@code length - needle} tokens; the needle goes at {@code int(body * depth / 100)}
 * tokens, moved back to just after the nearest preceding sentence end (the start when there is none), or at the
 * very end for depth 100. The context is then exactly {@code length} tokens.
 *
 * <p>Deliberate differences: the context is kept as token ids (the reference decodes it to text, and the prompt
 * is tokenized again, so its length drifts by a few tokens); a sentence end is any token whose text ends with
 * {@code '.'} after trailing whitespace is removed (the reference compares with the ids of {@code encode('.')},
 * which for SentencePiece tokenizers are BOS and {@code "▁."} and miss merged tokens such as {@code ".\n"}); and
 * {@code length} is the context itself, without the reference's 200-token allowance for the question, which
 * lmqt counts separately ({@code prompt_tokens}).
 */
public final class Haystack {
    private final long[] hay;       // [>= longest body] haystack tokens
    private final long[] needle;    // [needle tokens]
    private final TokenCodec codec;
    private final Map<Long, Boolean> sentenceEnds = new HashMap<>();

    private Haystack(long[] hay, long[] needle, TokenCodec codec) {
        this.hay = hay;
        this.needle = needle;
        this.codec = codec;
    }

    /**
     * The haystack of {@code text} (repeated as often as needed) for contexts up to {@code maxLength} tokens, with
     * {@code needleText} as the needle; both tokenized without special tokens.
     */
    public static Haystack of(TokenCodec codec, String text, String needleText, int maxLength) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("the haystack text is empty");
        }
        long[] needle = codec.encode(needleText, false); // [needle tokens]
        if (needle.length == 0) {
            throw new IllegalArgumentException("the needle has no tokens");
        }
        if (maxLength <= needle.length) {
            throw new IllegalArgumentException("a context of " + maxLength + " tokens has no room beside the needle's "
                    + needle.length);
        }
        int need = maxLength - needle.length;
        // stage 1: repeat the text (as the reference concatenates its files) until its tokens suffice
        long[] ids = codec.encode(text, false); // [haystack tokens]
        if (ids.length == 0) {
            throw new IllegalArgumentException("the haystack text has no tokens");
        }
        int perCopy = ids.length;
        int copies = 1;
        while (ids.length < need) {
            if (copies >= 1 << 20) {
                throw new IllegalArgumentException("the haystack text is too short for " + maxLength + " tokens");
            }
            copies = (int) Math.min(1 << 20, Math.max(2L * copies, (long) Math.ceil((double) need / perCopy) + 1));
            ids = codec.encode(text.repeat(copies), false);
        }
        // stage 2: keep the prefix the longest context needs
        return new Haystack(Arrays.copyOf(ids, need), needle, codec);
    }

    /** Needle tokens. */
    public int needleLength() {
        return needle.length;
    }

    /** The context of {@code length} tokens with the needle at {@code depthPercent} (0 to 100). */
    public Placement place(int length, double depthPercent) {
        if (!(depthPercent >= 0 && depthPercent <= 100)) {
            throw new IllegalArgumentException("depth must be within 0..100 %, got " + depthPercent);
        }
        int bodyLength = length - needle.length;
        if (bodyLength < 1 || bodyLength > hay.length) {
            throw new IllegalArgumentException("context length " + length + " is outside " + (needle.length + 1) + ".."
                    + (hay.length + needle.length) + " tokens");
        }
        // stage 1: the insertion point, in haystack tokens
        int at;
        if (depthPercent == 100) {
            at = bodyLength;
        } else {
            at = (int) (bodyLength * (depthPercent / 100));
            // stage 2: back to just after the nearest sentence end
            while (at > 0 && !endsSentence(hay[at - 1])) {
                at--;
            }
        }
        // stage 3: splice the needle in
        long[] ids = new long[length]; // [length]
        System.arraycopy(hay, 0, ids, 0, at);
        System.arraycopy(needle, 0, ids, at, needle.length);
        System.arraycopy(hay, at, ids, at + needle.length, bodyLength - at);
        return new Placement(ids, at, needle.length);
    }

    /** True when the token's text ends a sentence ({@code '.'} after trailing whitespace is removed). */
    boolean endsSentence(long id) {
        return sentenceEnds.computeIfAbsent(id, k -> codec.decode(new long[] {k}).stripTrailing().endsWith("."));
    }

    /** The haystack tokens (a copy) // [longest body]. */
    long[] tokens() {
        return hay.clone();
    }

    /** Depths {@code 0, step, 2*step, ..., 100} (100 always included). */
    public static List<Double> depths(double step) {
        if (!(step > 0 && step <= 100)) {
            throw new IllegalArgumentException("the depth step must be in (0, 100], got " + step);
        }
        java.util.ArrayList<Double> out = new java.util.ArrayList<>();
        for (int i = 0; i * step < 100 - 1e-9; i++) {
            out.add(Math.round(i * step * 1e6) / 1e6);
        }
        out.add(100.0);
        return List.copyOf(out);
    }
}
