package org.lmqt.layerwise;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.UserException;
import org.lmqt.model.BlockInputs;
import org.lmqt.model.DecoderBlock;
import org.lmqt.model.DenseLinear;
import org.lmqt.model.ForwardHook;
import org.lmqt.model.LinearLayer;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.Positions;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.gptq.GptqHessian;
import org.lmqt.quant.gptq.GptqMatrix;
import org.lmqt.quant.gptq.GptqQuantizer;

/**
 * GPTQ of a whole decoder as AutoGPTQ runs it (calib-methods-spec §2.4), streamed block by block: the calibration
 * windows' hidden states enter block 0; in block {@code i} the linears are quantized in true-sequential subsets
 * ({@code k, v, q}, then {@code o}, then {@code up, gate}, then {@code down}): all windows run through the block, whose
 * earlier subsets already hold their quantized weights, while a hook accumulates the subset's Hessian from its
 * input (one {@code add_batch} per window; the linears of a subset share their input, so they share it), then every
 * linear of the subset is quantized and replaced by its dequantized weight (float32 on the CPU, fp16 on CUDA). The block then runs once more, fully quantized, and its outputs are the next block's inputs.
 * Only one block's hidden states (one array per window) are held.
 *
 * @param quantizer GPTQ with its options (sym, act-order, static groups, damping, block size)
 * @param configs   bits and group size of each matrix (one config for all, or an MXQ allocation)
 */
public record GptqModelQuantizer(GptqQuantizer quantizer, java.util.function.Function<MatrixKey, QuantConfig> configs) {

    public GptqModelQuantizer {
        java.util.Objects.requireNonNull(quantizer, "quantizer");
        java.util.Objects.requireNonNull(configs, "configs");
    }

    /** Every matrix at {@code config}. */
    public GptqModelQuantizer(GptqQuantizer quantizer, QuantConfig config) {
        this(quantizer, key -> config);
    }

    /** The true-sequential subsets of a Llama block, in AutoGPTQ's order. */
    public static final List<List<String>> SUBSETS = List.of(
            List.of("self_attn.k_proj", "self_attn.v_proj", "self_attn.q_proj"),
            List.of("self_attn.o_proj"),
            List.of("mlp.up_proj", "mlp.gate_proj"),
            List.of("mlp.down_proj"));

    /**
     * Quantizes every linear layer of {@code model} (unquantized, its weights in {@code weights}) on the
     * calibration {@code windows} ({@code [n, length]} token ids); the matrices by key, in the order quantized.
     *
     * @param onLayer sees each finished block index
     */
    public Map<MatrixKey, GptqMatrix> quantize(LlamaModel model, WeightSource weights, long[][] windows,
                                               IntConsumer onLayer) {
        return quantize(model, weights, windows, onLayer, BlockStore.NONE);
    }

    /**
     * As {@link #quantize(LlamaModel, WeightSource, long[][], IntConsumer)}, keeping each finished block in
     * {@code store} and taking the blocks it already holds from there: their quantized weights rebuild the block, whose
     * outputs feed the next one as in an uninterrupted run (so a resumed run gives the same matrices).
     */
    public Map<MatrixKey, GptqMatrix> quantize(LlamaModel model, WeightSource weights, long[][] windows,
                                               IntConsumer onLayer, BlockStore store) {
        if (windows.length == 0) {
            throw new UserException("GPTQ needs at least one calibration window");
        }
        Map<MatrixKey, GptqMatrix> out = new LinkedHashMap<>();
        int length = windows[0].length;
        try (BlockInputs inputs = BlockInputs.embed(model, windows)) {
            for (int i = 0; i < model.numLayers(); i++) {
                try (NDScope scope = new NDScope()) {
                    Positions pos = model.positions(0, length);
                    DecoderBlock block = model.block(i);
                    if (store.has(i)) {
                        // a block finished before: its stored matrices in place
                        for (Map.Entry<MatrixKey, GptqMatrix> e : store.loadGptq(i).entrySet()) {
                            out.put(e.getKey(), e.getValue());
                            block = withQuantized(block, e.getKey(), e.getValue(), model);
                        }
                    } else {
                        Map<MatrixKey, GptqMatrix> done = new LinkedHashMap<>();
                        for (List<String> subset : SUBSETS) {
                            block = quantizeSubset(block, subset, inputs.states(), pos, weights, model, done);
                        }
                        store.saveGptq(i, done);
                        out.putAll(done);
                    }
                    // the quantized block's outputs feed the next block
                    DecoderBlock quantized = block;
                    inputs.advance(h -> quantized.forward(h, pos, null, List.of()));
                }
                onLayer.accept(i);
            }
        }
        return out;
    }

    /** One subset: its Hessian from all windows through the block as it stands, then GPTQ of each of its linears. */
    private DecoderBlock quantizeSubset(DecoderBlock block, List<String> subset, List<NDArray> hidden, Positions pos,
                                        WeightSource weights, LlamaModel model, Map<MatrixKey, GptqMatrix> out) {
        // the linears of a subset share their input (a block part): one Hessian, one add_batch per window
        BlockPart part = BlockPart.ofModule(subset.getFirst());
        GptqHessian hessian = new GptqHessian(block.linear(subset.getFirst()).inFeatures());
        ForwardHook hook = new ForwardHook() {
            @Override
            public NDArray partInput(int layer, BlockPart p, NDArray x) {
                if (p == part) {
                    hessian.addSequence(x);                                   // x [length, in]
                }
                return x;
            }
        };
        for (NDArray h : hidden) {
            try (NDScope one = new NDScope()) {
                block.forward(h, pos, null, List.of(hook));
            }
        }
        // quantize each linear of the subset and put its dequantized weight in place (freed with the block's scope)
        DecoderBlock q = block;
        for (String module : subset) {
            MatrixKey key = block.linear(module).key();
            Tensor w = weights.tensor(key.weightName(weights.family()));            // [out, in]
            GptqMatrix m = quantizer.quantize(w.data(), w.shape(), configs.apply(key), hessian).matrix();
            out.put(key, m);
            q = withQuantized(q, key, m, model);
        }
        return q;
    }

    /** {@code block} with linear {@code key} computing with {@code m}'s weight (freed with the block's scope). */
    private static DecoderBlock withQuantized(DecoderBlock block, MatrixKey key, GptqMatrix m, LlamaModel model) {
        LinearLayer fp = block.linear(key.module());
        int[] shape = m.shape();
        NDArray wq = model.manager().create(m.referenceWeight(), new Shape(shape[0], shape[1]))
                .toType(model.device().weightType(), false);                       // [out, in]
        return block.withLinear(new DenseLinear(key, wq, fp instanceof DenseLinear d ? d.bias() : null));
    }
}
