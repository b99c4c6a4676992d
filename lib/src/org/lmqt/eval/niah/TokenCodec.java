package org.lmqt.eval.niah;

import org.lmqt.model.TextTokenizer;

/**
 * Text to token ids and back, as the needle test needs it: a plain encoding (with the tokenizer's special tokens,
 * Llama: a leading BOS), a raw one (without), and decoding with special tokens skipped. Tests use a character
 * codec; scripts wrap the model's {@link TextTokenizer}.
 */
public interface TokenCodec {
    /** Ids of {@code text}; with {@code specials} the tokenizer's special tokens are added as for a completion. */
    long[] encode(String text, boolean specials);

    /** Text of {@code ids}, special tokens skipped. */
    String decode(long[] ids);

    /** The codec of a Hugging Face tokenizer. */
    static TokenCodec of(TextTokenizer tokenizer) {
        return new TokenCodec() {
            @Override
            public long[] encode(String text, boolean specials) {
                return specials ? tokenizer.encode(text) : tokenizer.encodeWithoutSpecials(text);
            }

            @Override
            public String decode(long[] ids) {
                return tokenizer.decode(ids);
            }
        };
    }
}
