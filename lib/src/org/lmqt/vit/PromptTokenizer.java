package org.lmqt.vit;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.lmqt.clip.ClipConfig;
import org.lmqt.model.TextTokenizer;

/**
 * Turns a prompt into one row of CLIP text input: {@code context_length} ids, {@code bos ... eos}, zero-padded, cut
 * to the context with {@code eos} kept last (as open_clip's tokenizer does).
 */
public interface PromptTokenizer extends AutoCloseable {

    /** The padded ids of {@code text}, {@code [context_length]}. */
    long[] encode(String text);

    @Override
    default void close() {}

    /**
     * The model folder's {@code tokenizer.json} (CLIP's BPE through DJL's HF tokenizers; its post-processor adds
     * {@code <|startoftext|>}/{@code <|endoftext|>}) when it has one, else {@link #hashedWords}.
     */
    static PromptTokenizer forModel(Path modelDir, ClipConfig config) {
        Optional<TextTokenizer> tok = TextTokenizer.find(modelDir);
        if (tok.isEmpty()) {
            return hashedWords(config);
        }
        TextTokenizer t = tok.get();
        t.checkFits(config.vocabSize(), modelDir);
        int eos = config.eosTokenId();
        int ctx = config.contextLength();
        return new PromptTokenizer() {
            @Override
            public long[] encode(String text) {
                return pad(t.encode(text), ctx, eos);
            }

            @Override
            public void close() {
                t.close();
            }
        };
    }

    /**
     * lmqt's stand-in for models without a tokenizer (the tiny test CLIPs): the text is lower-cased and split into
     * words (runs of letters and digits); each word maps to {@code 1 + (FNV-1a 32-bit hash of its UTF-8 bytes,
     * unsigned) mod (vocab - 3)}, so ids lie in {@code 1 .. vocab-3}; the row is {@code bos = vocab-2}, the words,
     * {@code eos = vocab-1}, zero padding (the fixtures' special ids, with {@code eos} the largest id so that every
     * pooling rule picks it). Not CLIP's BPE: only for models that have none.
     */
    static PromptTokenizer hashedWords(ClipConfig config) {
        int vocab = config.vocabSize();
        if (vocab < 4) {
            throw new IllegalArgumentException("hashed-word prompts need a vocabulary of at least 4 ids");
        }
        int ctx = config.contextLength();
        return text -> {
            String[] words = text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+");
            long[] ids = new long[words.length + 2];
            int n = 0;
            ids[n++] = vocab - 2;
            for (String w : words) {
                if (!w.isEmpty()) {
                    ids[n++] = 1 + Integer.toUnsignedLong(fnv1a(w)) % (vocab - 3);
                }
            }
            ids[n++] = vocab - 1;
            return pad(Arrays.copyOf(ids, n), ctx, vocab - 1);
        };
    }

    /** FNV-1a, 32 bits, of the UTF-8 bytes of {@code s}. */
    static int fnv1a(String s) {
        int h = 0x811c9dc5;
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return h;
    }

    /** {@code ids} cut or zero-padded to {@code ctx}; a cut row ends with {@code eos}. */
    static long[] pad(long[] ids, int ctx, int eos) {
        long[] out = Arrays.copyOf(ids, ctx);
        if (ids.length > ctx) {
            out[ctx - 1] = eos;
        }
        return out;
    }
}
