package org.lmqt.actquant;

import ai.djl.ndarray.NDScope;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.cli.UserException;
import org.lmqt.model.DecoderBlock;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.MatrixOverrides;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.FakeQuantMatrix;
import org.lmqt.quant.act.ActivationQuantizer;
import org.lmqt.quant.act.FakeQuantFormats;
import org.lmqt.quant.act.WeightQuantFormat;
import org.lmqt.quant.smoothquant.Smoothing;
import org.lmqt.quant.smoothquant.W8A8;

/**
 * SmoothQuant through a whole model (act-kv-methods-spec §1): the activation maxima of every linear's input on
 * the calibration windows of the unsmoothed model ({@code get_act_scales}), per block the smoothing factors of
 * {@code input_layernorm → q/k/v} (q_proj's scales) and {@code post_attention_layernorm → gate/up} (gate_proj's)
 * folded into the norm weights and the linears' columns, o_proj and down_proj unsmoothed; then W8A8: every linear's
 * smoothed weight fake-quantized and an activation quantizer for the runtime. The static scheme measures each
 * linear's input range on the smoothed float model in a second pass (as the reference's
 * {@code get_static_decoder_layer_scales}).
 * <p>Deliberate differences: the calibration windows are the caller's (the harness passes GPTQ's; the original
 * takes 512 Pile samples of 512 tokens); static int8 is simulated as {@code clamp(round(x / s), -128, 127) * s}
 * rather than torch-int's fold of {@code 1/s} into the norm; the weights run dense (no int8 kernels).
 *
 * @param config alpha and scheme
 */
public record SmoothQuantModelQuantizer(SmoothQuantConfig config) {

    private static final List<String> ATTN = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj");
    private static final List<String> MLP = List.of("mlp.gate_proj", "mlp.up_proj");

    /**
     * What SmoothQuant changes: quantized linears, smoothed norms, and the activation quantizer.
     *
     * @param matrices    every linear's fake-quantized smoothed weight
     * @param norms       smoothed norm weights by tensor name
     * @param recipe      the runtime's activation quantization (what a snapshot stores)
     */
    public record Result(Map<MatrixKey, FakeQuantMatrix> matrices, Map<String, float[]> norms,
                         ActivationRecipe recipe) {
        public Result {
            matrices = Map.copyOf(matrices);
            norms = Map.copyOf(norms);
        }

        /** The linear inputs' quantizer. */
        public ActivationQuantizer activations() {
            return recipe.quantizer().orElseThrow();
        }
    }

    /**
     * The smoothed float model (no quantization): smoothed q/k/v/gate/up weights and norm weights by tensor name.
     *
     * @param tensors the replaced tensors (a {@link MatrixOverrides} runs them)
     * @param norms   the norm weights among them
     */
    public record Smoothed(Map<String, float[]> tensors, Map<String, float[]> norms) {
        public Smoothed {
            tensors = Map.copyOf(tensors);
            norms = Map.copyOf(norms);
        }
    }

    /** Steps 1 and 2: the activation maxima of the unsmoothed {@code model} on {@code windows}, and the folding. */
    public Smoothed smooth(LlamaModel model, WeightSource weights, long[][] windows) {
        if (windows.length == 0) {
            throw new UserException("SmoothQuant needs at least one calibration window");
        }
        ModelFamily family = weights.family();
        // 1. activation maxima of the unsmoothed model
        ActScaleCollector scales = calibrate(model, windows);
        // 2. smoothing per block, folded into norms and linears
        Map<String, float[]> smoothed = new LinkedHashMap<>();
        Map<String, float[]> norms = new LinkedHashMap<>();
        for (int i = 0; i < model.numLayers(); i++) {
            String p = family.layerPrefix() + i + ".";
            smoothUnit(weights, family, i, ATTN, scales, p + "input_layernorm.weight", smoothed, norms);
            smoothUnit(weights, family, i, MLP, scales, p + "post_attention_layernorm.weight", smoothed, norms);
        }
        smoothed.putAll(norms);
        return new Smoothed(smoothed, norms);
    }

    /** Calibrates on {@code windows} with the unquantized {@code model} (its weights in {@code weights}). */
    public Result quantize(LlamaModel model, WeightSource weights, long[][] windows, IntConsumer onLayer) {
        ModelFamily family = weights.family();
        Smoothed sm = smooth(model, weights, windows);
        Map<String, float[]> smoothed = sm.tensors();
        Map<String, float[]> norms = sm.norms();
        // 3. static ranges on the smoothed float model (static scheme only)
        Map<MatrixKey, Float> steps = new HashMap<>();
        if (config.scheme() == SmoothQuantConfig.Scheme.STATIC) {
            try (LlamaModel s = LlamaModel.load(new MatrixOverrides(new Unclosed(weights), Map.of(), smoothed),
                    model.device())) {
                ActScaleCollector ranges = calibrate(s, windows);
                for (int i = 0; i < model.numLayers(); i++) {
                    for (String module : DecoderBlock.MODULES) {
                        MatrixKey k = new MatrixKey(i, module);
                        steps.put(k, W8A8.staticStep(ranges.of(k).tensorMax()));
                    }
                }
            }
        }
        // 4. W8A8 weights
        WeightQuantFormat format = weightFormat();
        Map<MatrixKey, FakeQuantMatrix> matrices = new LinkedHashMap<>();
        for (int i = 0; i < model.numLayers(); i++) {
            for (String module : DecoderBlock.MODULES) {
                MatrixKey k = new MatrixKey(i, module);
                String name = k.weightName(family);
                var t = weights.tensor(name);
                float[] w = smoothed.getOrDefault(name, t.data());               // [out, in]
                matrices.put(k, format.quantize(w, t.rows(), t.cols()));
            }
            onLayer.accept(i);
        }
        return new Result(matrices, norms, activationRecipe(steps));
    }

    /** The runtime's activations: the scheme's format (or the static steps), the quirk, the matmul option. */
    private ActivationRecipe activationRecipe(Map<MatrixKey, Float> steps) {
        Optional<String> format = switch (config.scheme()) {
            case PER_TOKEN -> Optional.of("int8");
            case PER_TENSOR -> Optional.of("int8-tensor");
            case STATIC -> Optional.empty();
            case QLI -> Optional.of("qli-int8");
        };
        return new ActivationRecipe(format, format.isPresent() ? Map.of() : steps, config.sharedInputQuirk(),
                config.attnMatmul() ? SmoothQuantConfig.ATTN_MATMUL_BITS : 0);
    }

    private WeightQuantFormat weightFormat() {
        return switch (config.scheme()) {
            case PER_TOKEN, PER_TENSOR -> FakeQuantFormats.weight("int8-channel");
            case STATIC -> FakeQuantFormats.weight("int8-tensor");
            case QLI -> FakeQuantFormats.weight("qli-int8");
        };
    }

    /** Smooths one norm and the linears reading it, with the first linear's activation maxima. */
    private void smoothUnit(WeightSource weights, ModelFamily family, int layer, List<String> modules,
                            ActScaleCollector scales, String normName, Map<String, float[]> smoothed,
                            Map<String, float[]> norms) {
        List<String> names = modules.stream().map(m -> new MatrixKey(layer, m).weightName(family)).toList();
        List<float[]> ws = names.stream().map(n -> weights.tensor(n).data()).toList();  // [out_i, hidden] each
        Smoothing s = Smoothing.of(scales.of(new MatrixKey(layer, modules.getFirst())).values(), ws, config.alpha());
        norms.put(normName, s.smoothNorm(weights.tensor(normName).data()));
        for (int j = 0; j < names.size(); j++) {
            smoothed.put(names.get(j), s.smoothLinear(ws.get(j)));
        }
    }

    /** Runs every window through {@code model} with a collector of linear-input maxima. */
    static ActScaleCollector calibrate(LlamaModel model, long[][] windows) {
        ActScaleCollector c = new ActScaleCollector();
        try (var hook = model.addHook(c)) {
            for (long[] w : windows) {
                try (NDScope scope = new NDScope()) {
                    model.hidden(w);
                }
            }
        }
        return c;
    }

    /** A view of a source whose close does nothing (the caller keeps the base open). */
    private record Unclosed(WeightSource base) implements WeightSource {
        @Override
        public org.lmqt.checkpoint.ModelConfig config() {
            return base.config();
        }

        @Override
        public boolean contains(String name) {
            return base.contains(name);
        }

        @Override
        public java.util.Optional<org.lmqt.quant.QuantizedMatrix> quantized(MatrixKey key) {
            return base.quantized(key);
        }

        @Override
        public org.lmqt.checkpoint.Tensor tensor(String name) {
            return base.tensor(name);
        }

        @Override
        public void close() {
        }
    }
}
