package org.lmqt.actquant;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.lkd.LayerDistillation;
import org.lmqt.lkd.LkdConfig;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.MatrixOverrides;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.FakeQuantMatrix;

/**
 * The fake-quantization methods of the harness and of {@code quantize-model} by name ({@code smoothquant},
 * {@code zeroquant}, {@code fp8}, {@code fp4}, {@code mxfp8}, {@code mxfp4}) and config: what each changes in a
 * checkpoint, in the form a model loads ({@link #source}) and a snapshot stores ({@link FakeQuantSnapshot}).
 */
public final class FakeQuantMethods {
    private FakeQuantMethods() {}

    /**
     * A method's result.
     *
     * @param matrices    every quantized linear
     * @param replaced    other tensors it changed (smoothed or distilled norm weights, distilled biases), float32
     * @param activations the runtime's activation quantization
     * @param method      what was run, for the snapshot's recipe (algo, config, settings, LKD losses)
     */
    public record Quantized(Map<MatrixKey, FakeQuantMatrix> matrices, Map<String, float[]> replaced,
                            ActivationRecipe activations, ObjectNode method) {
        public Quantized {
            matrices = Map.copyOf(matrices);
            replaced = Map.copyOf(replaced);
        }

        /** The checkpoint with this result in place; closing it closes {@code base}. */
        public MatrixOverrides source(WeightSource base) {
            return new MatrixOverrides(base, matrices, replaced);
        }
    }

    /** Sees LKD's steps (layer, step, loss). */
    public static final LayerDistillation.Progress QUIET = (l, s, v) -> { };

    /**
     * Runs {@code algo} with {@code config} on {@code ckpt}. SmoothQuant and ZeroQuant with {@code -lkd} load the
     * unquantized model on {@code device} and take {@code windows} (called once, only then); {@code lkd} are the
     * distillation settings of a {@code -lkd} config.
     */
    public static Quantized quantize(String algo, String config, Checkpoint ckpt, ComputeDevice device,
                                     Supplier<long[][]> windows, LkdConfig lkd, LayerDistillation.Progress progress) {
        String a = algo.toLowerCase(Locale.ROOT);
        ObjectNode method = JsonNodeFactory.instance.objectNode().put("algo", a).put("config", config)
                .put("source_model", ckpt.shortId());
        WeightSource base = WeightSource.of(ckpt);
        int layers = ckpt.config().numLayers();
        try {
            switch (a) {
                case "smoothquant" -> {
                    SmoothQuantConfig c = SmoothQuantConfig.parse(config);
                    method.put("alpha", c.alpha()).put("scheme", c.scheme().name().toLowerCase(Locale.ROOT));
                    try (LlamaModel fp = LlamaModel.load(base, device)) {
                        var sq = new SmoothQuantModelQuantizer(c).quantize(fp, base, windows.get(), l -> { });
                        return new Quantized(sq.matrices(), sq.norms(), sq.recipe(), method);
                    }
                }
                case "zeroquant" -> {
                    FakeQuantRecipe recipe = FakeQuantRecipe.zeroquant(config);
                    ActivationRecipe act = ActivationRecipe.of(recipe.activations().orElseThrow().name());
                    if (!FakeQuantRecipe.isLkd(config)) {
                        return new Quantized(recipe.quantizeWeights(base, layers), Map.of(), act, method);
                    }
                    LayerDistillation.Result r;
                    try (LlamaModel fp = LlamaModel.load(base, device)) {
                        r = LayerDistillation.train(fp, base, recipe, windows.get(), lkd, progress);
                    }
                    MatrixOverrides deployed = LayerDistillation.deploy(base, recipe, r);
                    Map<MatrixKey, FakeQuantMatrix> matrices = new LinkedHashMap<>();
                    deployed.matrices().forEach((k, m) -> matrices.put(k, (FakeQuantMatrix) m));
                    method.set("lkd", lkdJson(lkd, r));
                    return new Quantized(matrices, deployed.tensors(), act, method);
                }
                case "fp8", "fp4", "mxfp8", "mxfp4" -> {
                    FakeQuantRecipe recipe = FakeQuantRecipe.floats(
                            FakeQuantRecipe.FloatFamily.valueOf(a.toUpperCase(Locale.ROOT)), config);
                    ActivationRecipe act = recipe.activations().map(f -> ActivationRecipe.of(f.name()))
                            .orElse(ActivationRecipe.NONE);
                    return new Quantized(recipe.quantizeWeights(base, layers), Map.of(), act, method);
                }
                default -> throw new UserException("not a fake-quantization method: '" + algo + "' (expected "
                        + "smoothquant, zeroquant, fp8, fp4, mxfp8 or mxfp4)");
            }
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    private static ObjectNode lkdJson(LkdConfig c, LayerDistillation.Result r) {
        ObjectNode o = JsonNodeFactory.instance.objectNode().put("layers", c.layers()).put("steps", c.steps())
                .put("batch", c.batch()).put("lr", c.optimizer().lr()).put("weight_decay", c.optimizer().weightDecay())
                .put("beta1", c.optimizer().beta1()).put("beta2", c.optimizer().beta2()).put("eps", c.optimizer().eps());
        ObjectNode losses = o.putObject("loss");
        r.losses().forEach((layer, l) -> losses.putObject(Integer.toString(layer)).put("first", l[0])
                .put("last", l[l.length - 1]));
        return o;
    }
}
