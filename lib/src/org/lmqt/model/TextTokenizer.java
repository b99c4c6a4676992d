package org.lmqt.model;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.lmqt.cli.UserException;
import org.lmqt.device.Djl;

/**
 * A Hugging Face {@code tokenizer.json} loaded through DJL's HF tokenizers (Rust, offline), with special tokens
 * added as the model's tokenizer config says (Llama: one BOS at the start), no padding, no truncation.
 */
public final class TextTokenizer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HuggingFaceTokenizer tokenizer;
    private final int maxId;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxId) {
        this.tokenizer = tokenizer;
        this.maxId = maxId;
    }

    /** The tokenizer of a model folder, or empty when the folder has no {@code tokenizer.json}. */
    public static Optional<TextTokenizer> find(Path modelDir) {
        Path file = modelDir.resolve("tokenizer.json");
        return Files.isRegularFile(file) ? Optional.of(open(file)) : Optional.empty();
    }

    /** Loads {@code tokenizer.json}. */
    public static TextTokenizer open(Path file) {
        Djl.init();
        int maxId = maxTokenId(file);
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(file,
                    Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "true"));
            return new TextTokenizer(t, maxId);
        } catch (IOException | RuntimeException e) {
            throw new UserException(file + ": cannot load the tokenizer (" + e.getMessage() + ")");
        }
    }

    /** The largest id in the vocabulary and the added tokens. */
    private static int maxTokenId(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UserException(file + ": invalid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        int max = -1;
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            for (JsonNode id : (Iterable<JsonNode>) vocab::elements) {
                max = Math.max(max, id.asInt());
            }
        } else if (vocab.isArray()) {
            max = vocab.size() - 1; // Unigram: a list of [piece, score]
        }
        for (JsonNode added : root.path("added_tokens")) {
            max = Math.max(max, added.path("id").asInt(-1));
        }
        return max;
    }

    /** Fails with a one-line message when the tokenizer can produce ids the model has no embedding for. */
    public void checkFits(int modelVocab, Path where) {
        if (maxId >= modelVocab) {
            throw new UserException(where + ": tokenizer.json has ids up to " + maxId + " but the model's vocab_size is "
                    + modelVocab + " (tokenizer and model do not match)");
        }
    }

    /** Largest token id. */
    public int maxId() {
        return maxId;
    }

    /** Token ids of {@code text}, with the tokenizer's special tokens (e.g. a leading BOS). */
    public long[] encode(String text) {
        Encoding e = tokenizer.encode(text);
        return e.getIds();
    }

    /** Token ids of {@code text} without added special tokens (special-token texts in it still map to their ids). */
    public long[] encodeWithoutSpecials(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /**
     * The first {@code maxTokens} ids of {@code encode(text)} without tokenizing all of it: growing prefixes of the
     * text are encoded until one yields {@value #PREFIX_MARGIN} tokens more than needed, so the cut never touches the
     * ids kept (merges do not reach across that many tokens).
     */
    public long[] encodePrefix(String text, int maxTokens) {
        int chars = Math.max(1024, maxTokens * 8);
        while (true) {
            boolean whole = chars >= text.length();
            long[] ids = encode(whole ? text : text.substring(0, chars));
            if (whole || ids.length >= maxTokens + PREFIX_MARGIN) {
                return java.util.Arrays.copyOf(ids, Math.min(ids.length, maxTokens));
            }
            chars = (int) Math.min(Integer.MAX_VALUE, 2L * chars);
        }
    }

    /** Tokens beyond the wanted ones that a prefix must give before its cut is trusted. */
    static final int PREFIX_MARGIN = 64;

    /** Text of {@code ids}, special tokens skipped. */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
