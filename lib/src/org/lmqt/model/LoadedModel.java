package org.lmqt.model;

import java.nio.file.Path;
import java.util.Optional;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.HubCache;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.quant.DjlHqq;
import org.lmqt.quant.QuantPlan;

/**
 * A model as the scripts load it: a Hugging Face folder or id (optionally quantized on the fly), or a quantized
 * snapshot written by {@link QuantizedSnapshot} or {@link org.lmqt.actquant.FakeQuantSnapshot} (its activation
 * recipe hooked in), with its tokenizer when the folder has a {@code tokenizer.json}.
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
        return open(pathOrId, device, Optional.empty());
    }

    /**
     * Loads a folder or HF id; with a quantization plan, every linear layer of a plain checkpoint is quantized
     * with it as it is read (on the device by {@link DjlHqq#allCoresFor}), and kept packed (a snapshot cannot be
     * quantized again).
     */
    public static LoadedModel open(String pathOrId, ComputeDevice device, Optional<QuantPlan> plan) {
        return open(pathOrId, device, plan, LinearFactory.STANDARD);
    }

    /** As {@link #open(String, ComputeDevice, Optional)}, with the layers {@code linears} builds. */
    public static LoadedModel open(String pathOrId, ComputeDevice device, Optional<QuantPlan> plan,
                                   LinearFactory linears) {
        Path dir = HubCache.resolve(pathOrId);
        String shortId = HubCache.shortId(pathOrId, dir);
        boolean snapshot = QuantizedSnapshot.isSnapshot(dir);
        boolean fakeQuant = !snapshot && org.lmqt.actquant.FakeQuantSnapshot.isSnapshot(dir);
        boolean community = !snapshot && !fakeQuant && CommunitySnapshot.isCommunity(dir);
        if ((snapshot || community || fakeQuant) && plan.isPresent()) {
            throw new UserException(dir + " is already a quantized snapshot; do not pass a quantization config");
        }
        LlamaModel model;
        try (WeightSource source = snapshot ? QuantizedSnapshot.source(dir)
                : fakeQuant ? org.lmqt.actquant.FakeQuantSnapshot.source(dir)
                : community ? CommunitySnapshot.source(dir) : plainOrQuantized(dir, plan, device)) {
            model = LlamaModel.load(source, device, linears);
        }
        if (fakeQuant) {
            // the snapshot's activation quantization (and attention matmul quantization), as its recipe says
            try {
                org.lmqt.actquant.FakeQuantSnapshot.activations(dir).install(model);
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
        }
        return of(model, dir, shortId);
    }

    /** A model already loaded, with the tokenizer of its folder {@code dir} when there is one. */
    public static LoadedModel of(LlamaModel model, Path dir, String shortId) {
        Optional<TextTokenizer> tok = Optional.empty();
        try {
            tok = TextTokenizer.find(dir);
            tok.ifPresent(t -> t.checkFits(model.vocabSize(), dir));
        } catch (RuntimeException e) {
            tok.ifPresent(TextTokenizer::close);
            model.close();
            throw e;
        }
        return new LoadedModel(model, tok, dir, shortId);
    }

    private static WeightSource plainOrQuantized(Path dir, Optional<QuantPlan> plan, ComputeDevice device) {
        Checkpoint ckpt = Checkpoint.open(dir);
        return plan.<WeightSource>map(p -> new QuantizedWeights(ckpt, p, DjlHqq.allCoresFor(device)))
                .orElseGet(() -> WeightSource.of(ckpt));
    }

    /** The tokenizer, or a one-line error saying the folder has none. */
    public TextTokenizer requireTokenizer() {
        return tokenizer.orElseThrow(() -> new UserException(dir
                + ": no tokenizer.json (pass token ids with --ids, or use a folder with a tokenizer)"));
    }

    @Override
    public void close() {
        tokenizer.ifPresent(TextTokenizer::close);
        model.close();
    }
}
