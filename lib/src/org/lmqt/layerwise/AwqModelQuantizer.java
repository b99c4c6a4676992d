package org.lmqt.layerwise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.cli.UserException;
import org.lmqt.model.ActivationCapture;
import org.lmqt.model.BlockInputs;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.Positions;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.CalibrationInputs;
import org.lmqt.quant.awq.Awq;
import org.lmqt.quant.awq.AwqFeatures;
import org.lmqt.quant.awq.AwqLayer;
import org.lmqt.quant.awq.AwqMatrix;
import org.lmqt.quant.awq.AwqOptions;

/**
 * AWQ of a whole decoder as AutoAWQ and llm-awq run it (calib-methods-spec §3.4), block by block: one forward of the
 * unmodified block over all calibration windows captures the inputs of its linears (the four block parts) and gives
 * the next block's input (the next block sees the original block, not the scaled or quantized one); then the layer's
 * scales are searched, applied (norm weights divided, the previous linears' rows divided), the clips searched and
 * applied, and all seven linears quantized ({@link Awq#quantize}).
 *
 * @param options flavour, bits, group size, zero point
 */
public record AwqModelQuantizer(AwqOptions options) {

    /**
     * What AWQ changes in a model: every linear quantized, and each block's two norm weights divided by the scales.
     *
     * @param matrices the quantized linears by key
     * @param norms    the scaled norm weights by tensor name ({@code model.layers.0.input_layernorm.weight})
     */
    public record Result(Map<MatrixKey, AwqMatrix> matrices, Map<String, float[]> norms) {
        public Result {
            matrices = Map.copyOf(matrices);
            norms = Map.copyOf(norms);
        }
    }

    /** Quantizes every block of {@code model} (unquantized, its weights in {@code weights}) on {@code windows}. */
    public Result quantize(LlamaModel model, WeightSource weights, long[][] windows, IntConsumer onLayer) {
        return quantize(model, weights, windows, onLayer, BlockStore.NONE);
    }

    /**
     * As {@link #quantize(LlamaModel, WeightSource, long[][], IntConsumer)}, keeping each finished block in
     * {@code store} and taking the blocks it already holds from there (their inputs still advance through the
     * original block, as in an uninterrupted run).
     */
    public Result quantize(LlamaModel model, WeightSource weights, long[][] windows, IntConsumer onLayer,
                           BlockStore store) {
        if (windows.length == 0) {
            throw new UserException("AWQ needs at least one calibration window");
        }
        ModelFamily family = weights.family();
        Map<MatrixKey, AwqMatrix> matrices = new LinkedHashMap<>();
        Map<String, float[]> norms = new LinkedHashMap<>();
        int length = windows[0].length;
        try (BlockInputs inputs = BlockInputs.embed(model, windows)) {
            for (int i = 0; i < model.numLayers(); i++) {
                if (store.has(i)) {
                    // a block finished before: its result, and its inputs through the original block
                    Result done = store.loadAwq(i);
                    matrices.putAll(done.matrices());
                    norms.putAll(done.norms());
                    try (NDScope scope = new NDScope()) {
                        Positions pos = model.positions(0, length);
                        int block = i;
                        inputs.advance(h -> model.block(block, h, pos));
                    }
                    onLayer.accept(i);
                    continue;
                }
                AwqFeatures features;
                // one forward of the original block: the parts' inputs, and the next block's input
                try (NDScope scope = new NDScope();
                     ActivationCapture capture = new ActivationCapture(model.manager(), EnumSet.allOf(BlockPart.class));
                     var hook = model.addHook(capture)) {
                    Positions pos = model.positions(0, length);
                    int block = i;
                    inputs.advance(h -> model.block(block, h, pos));
                    features = new AwqFeatures(inputs(capture, i, BlockPart.ATTN_IN),
                            inputs(capture, i, BlockPart.ATTN_OUT), inputs(capture, i, BlockPart.MLP_GATE),
                            inputs(capture, i, BlockPart.MLP_DOWN));
                }
                // search, scale, clip and quantize the layer
                String p = family.layerPrefix() + i + ".";
                Awq.Result r = Awq.quantize(layer(weights, family, i), features, options);
                int layer = i;
                Map<MatrixKey, AwqMatrix> blockMatrices = new LinkedHashMap<>();
                r.result().matrices().forEach((module, m) -> blockMatrices.put(new MatrixKey(layer, module), m));
                Map<String, float[]> blockNorms = new LinkedHashMap<>();
                blockNorms.put(p + "input_layernorm.weight", r.scaled().inputNorm());
                blockNorms.put(p + "post_attention_layernorm.weight", r.scaled().postNorm());
                store.saveAwq(i, blockMatrices, blockNorms);
                matrices.putAll(blockMatrices);
                norms.putAll(blockNorms);
                onLayer.accept(i);
            }
        }
        return new Result(matrices, norms);
    }

    /** The captured inputs of one part over all windows, {@code [windows * length, features]}. */
    public static CalibrationInputs inputs(ActivationCapture capture, int layer, BlockPart part) {
        List<NDArray> xs = capture.inputs(layer, part);
        int cols = (int) xs.getFirst().getShape().get(1);
        int rows = 0;
        List<float[]> parts = new ArrayList<>();
        for (NDArray x : xs) {
            float[] v = x.toType(DataType.FLOAT32, false).toFloatArray();          // [length, features]
            parts.add(v);
            rows += v.length / cols;
        }
        float[] all = new float[rows * cols];                                       // [tokens, features]
        int at = 0;
        for (float[] v : parts) {
            System.arraycopy(v, 0, all, at, v.length);
            at += v.length;
        }
        return new CalibrationInputs(all, rows, cols);
    }

    /** Block {@code i}'s weights as float32 arrays. */
    public static AwqLayer layer(WeightSource w, ModelFamily f, int i) {
        String p = f.layerPrefix() + i + ".";
        return new AwqLayer(w.tensor(p + "input_layernorm.weight").data(),
                w.tensor(new MatrixKey(i, "self_attn.q_proj").weightName(f)).data(),
                w.tensor(new MatrixKey(i, "self_attn.k_proj").weightName(f)).data(),
                w.tensor(new MatrixKey(i, "self_attn.v_proj").weightName(f)).data(),
                w.tensor(new MatrixKey(i, "self_attn.o_proj").weightName(f)).data(),
                w.tensor(p + "post_attention_layernorm.weight").data(),
                w.tensor(new MatrixKey(i, "mlp.gate_proj").weightName(f)).data(),
                w.tensor(new MatrixKey(i, "mlp.up_proj").weightName(f)).data(),
                w.tensor(new MatrixKey(i, "mlp.down_proj").weightName(f)).data());
    }
}
