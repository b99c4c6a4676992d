package org.lmqt.clip;

/**
 * Which position of the text tower's output is pooled. Hugging Face takes the first position of
 * {@code eos_token_id}, except for old configs whose {@code eos_token_id} is 2, where it takes
 * {@code argmax(input_ids)} (the only rule before transformers PR #24773); open_clip always takes the argmax. With the
 * end-of-text id the largest id, as in CLIP's vocabulary, all rules pick the same position.
 */
public enum TextPooling {
    /** The first position of the end-of-text id. */
    FIRST_EOS,
    /** The first position of the largest id. */
    ARGMAX;

    /** The pooled position of one row of ids; {@code eos} is used by {@link #FIRST_EOS} only. */
    public int position(long[] ids, int eos) {
        int best = 0;
        for (int t = 0; t < ids.length; t++) {
            if (this == FIRST_EOS && ids[t] == eos) {
                return t;
            }
            if (ids[t] > ids[best]) {
                best = t;
            }
        }
        if (this == FIRST_EOS) {
            throw new IllegalArgumentException("a text row has no end-of-text id " + eos);
        }
        return best;
    }
}
