package org.lmqt.model;

import java.nio.file.Path;
import java.util.Optional;
import org.lmqt.checkpoint.Checkpoint;

/**
 * A model as the scripts load it: a Hugging Face folder or id (optionally quantized on the fly), or a quantized
 * snapshot written by {@link QuantizedSnapshot}, with its tokenizer when the folder has a {@code tokenizer.json}.
 *
 * @param model     the decoder on its device
 * @param tokenizer the tokenizer, checked against the model's vocabulary
 * @param dir       the model folder
 * @param shortId   short name for reports ({@code Llama-2-7b-hf})
 */
public record LoadedModel(LlamaModel model, Optional<TextTokenizer> tokenizer, Path dir, String shortId)
        implements AutoCloseable {

    /** Loads a folder or HF id as it is (a snapshot is dequantized as it deploys). */
    public static LoadedModel open(String pathOrId, ComputeDevice device) {
        Checkpoint ckpt = Checkpoint.open(pathOrId);
        Path dir = ckpt.dir();
        String shortId = ckpt.shortId();
        LlamaModel model;
        try (WeightSource source = WeightSource.of(ckpt)) {
            model = LlamaModel.load(source, device);
        }
        Optional<TextTokenizer> tok;
        try {
            tok = TextTokenizer.find(dir);
            tok.ifPresent(t -> t.checkFits(model.vocabSize(), dir));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        return new LoadedModel(model, tok, dir, shortId);
    }

    /** The tokenizer, or a one-line error saying the folder has none. */
    public TextTokenizer requireTokenizer() {
        return tokenizer.orElseThrow(() -> new org.lmqt.cli.UserException(dir
                + ": no tokenizer.json (pass token ids with --ids, or use a folder with a tokenizer)"));
    }

    @Override
    public void close() {
        tokenizer.ifPresent(TextTokenizer::close);
        model.close();
    }
}
