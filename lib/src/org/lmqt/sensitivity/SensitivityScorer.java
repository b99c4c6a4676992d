package org.lmqt.sensitivity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.UserException;
import org.lmqt.model.ActivationCapture;
import org.lmqt.model.BlockInputs;
import org.lmqt.model.DecoderBlock;
import org.lmqt.model.DenseLinear;
import org.lmqt.model.LinearLayer;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.Positions;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.QuantConfig;

/**
 * The original's sensitivity score (lmqt-spec §4.9), streamed block by block: the calibration batch's hidden states
 * enter block 0; for block {@code i} one unquantized forward pass captures the inputs of its four parts and gives
 * the next block's input (later blocks always see unquantized activations); then, for every config, each part's
 * matrices are replaced by {@code dequant(quant(W))} and {@code sensitivity = mean((y - y')^2)} over all output
 * elements of the part's module:
 * <table>
 * <caption>parts</caption>
 * <tr><th>part</th><th>matrices replaced</th><th>module evaluated</th></tr>
 * <tr><td>attn_in</td><td>q, k, v</td><td>the whole self-attention, o_proj unquantized</td></tr>
 * <tr><td>attn_out</td><td>o</td><td>o_proj alone</td></tr>
 * <tr><td>mlp_gate</td><td>gate, up</td><td>the whole MLP, down_proj unquantized</td></tr>
 * <tr><td>mlp_down</td><td>down</td><td>down_proj alone</td></tr>
 * </table>
 * Unlike the original, which reloads the model for every data set and config, the inputs are captured once per
 * calibration set and every config is scored on them; only one block's activations are held at a time.
 *
 * @param includeAttnOut score {@code attn_out} also when v_proj and o_proj differ in shape (GQA); the original
 *                       skips it there
 */
public record SensitivityScorer(boolean includeAttnOut) {

    /**
     * Scores every block of {@code model} (unquantized; weights from {@code weights}) on {@code batch}
     * ({@code [rows, length]} token ids), one row list per config in {@code configs} order, rows by layer and part.
     *
     * @param onLayer sees each finished layer index
     */
    public List<SensitivityRow> score(LlamaModel model, WeightSource weights, long[][] batch, String dataset,
                                      String modelId, List<QuantConfig> configs, Dequantizer dequantizer,
                                      IntConsumer onLayer) {
        if (batch.length == 0) {
            throw new UserException(dataset + ": the calibration batch is empty");
        }
        int length = batch[0].length;
        List<List<SensitivityRow>> perConfig = new ArrayList<>();
        configs.forEach(c -> perConfig.add(new ArrayList<>()));
        EnumSet<BlockPart> parts = partsOf(model);
        // h_0: the embeddings of every row of the batch
        try (BlockInputs hidden = BlockInputs.embed(model, batch)) {
            for (int i = 0; i < model.numLayers(); i++) {
                DecoderBlock block = model.block(i);
                try (NDScope scope = new NDScope();
                     ActivationCapture capture = new ActivationCapture(model.manager(), parts)) {
                    Positions pos = model.positions(0, length);
                    // one unquantized pass of block i: part inputs and the next block's input
                    int layer = i;
                    try (var hook = model.addHook(capture)) {
                        hidden.advance(h -> model.block(layer, h, pos));
                    }
                    // the unquantized outputs of every part's module, computed once for all configs
                    Map<BlockPart, List<NDArray>> reference = new EnumMap<>(BlockPart.class);
                    for (BlockPart p : parts) {
                        reference.put(p, capture.inputs(i, p).stream().map(x -> module(block, p, x, pos)).toList());
                    }
                    long count = (long) batch.length * length * model.config().hiddenSize();
                    for (int c = 0; c < configs.size(); c++) {
                        QuantConfig config = configs.get(c);
                        for (BlockPart p : parts) {
                            // the part's dequantized weights live only while the part is scored
                            try (NDScope partScope = new NDScope()) {
                                DecoderBlock quantized = quantizedModule(block, p, weights, config, dequantizer, model);
                                double sq = squaredError(quantized, p, capture.inputs(i, p), reference.get(p), pos);
                                perConfig.get(c).add(new SensitivityRow(dataset, p, modelId, config.bits(),
                                        config.group(), i, (float) (sq / count)));
                            }
                        }
                    }
                }
                onLayer.accept(i);
            }
        }
        return perConfig.stream().flatMap(List::stream).toList();
    }

    /** The parts scored: all four, or without attn_out for GQA models in the original's mode. */
    private EnumSet<BlockPart> partsOf(LlamaModel model) {
        var c = model.config();
        boolean sameShape = c.numKvHeads() == c.numHeads() && c.numHeads() * c.headDim() == c.hiddenSize();
        EnumSet<BlockPart> parts = EnumSet.allOf(BlockPart.class);
        if (!includeAttnOut && !sameShape) {
            parts.remove(BlockPart.ATTN_OUT);
        }
        return parts;
    }

    /** Sum over all rows of {@code sum((y - y')^2)}, each row's sum in float32 as PyTorch computes it. */
    private static double squaredError(DecoderBlock quantized, BlockPart p, List<NDArray> inputs,
                                       List<NDArray> reference, Positions pos) {
        double total = 0;
        for (int r = 0; r < inputs.size(); r++) {
            try (NDScope scope = new NDScope()) {
                NDArray y = module(quantized, p, inputs.get(r), pos);                // [length, hidden]
                NDArray d = y.toType(DataType.FLOAT32, false).sub(reference.get(r).toType(DataType.FLOAT32, false));
                total += d.square().sum().getFloat();
            }
        }
        return total;
    }

    /** The module of part {@code p} applied to its captured input {@code x}: {@code [length, hidden]}. */
    private static NDArray module(DecoderBlock b, BlockPart p, NDArray x, Positions pos) {
        return switch (p) {
            case ATTN_IN -> b.attention(x, pos, null, List.of());
            case ATTN_OUT -> b.linear("self_attn.o_proj").forward(x);
            case MLP_GATE -> b.mlp(x, List.of());
            case MLP_DOWN -> b.linear("mlp.down_proj").forward(x);
        };
    }

    /** The block with the part's matrices replaced by their dequantized weights (arrays in the current scope). */
    private static DecoderBlock quantizedModule(DecoderBlock b, BlockPart p, WeightSource weights, QuantConfig c,
                                                Dequantizer dequantizer, LlamaModel model) {
        DecoderBlock q = b;
        for (String module : p.modules()) {
            LinearLayer fp = b.linear(module);
            MatrixKey key = fp.key();
            Tensor w = weights.tensor(key.weightName(weights.family()));          // [out, in]
            float[] deq = dequantizer.apply(key, w.data(), w.shape(), c);        // [out, in] fp16 values
            NDArray wq = model.manager().create(deq, new Shape(w.shape()[0], w.shape()[1]))
                    .toType(model.device().weightType(), false);                 // [out, in]
            NDArray bias = fp instanceof DenseLinear d ? d.bias() : null;
            q = q.withLinear(new DenseLinear(key, wq, bias));
        }
        return q;
    }
}
