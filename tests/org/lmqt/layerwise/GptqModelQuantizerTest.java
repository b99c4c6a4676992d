package org.lmqt.layerwise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.ActivationCapture;
import org.lmqt.model.DecoderBlock;
import org.lmqt.model.DenseLinear;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.MatrixOverrides;
import org.lmqt.model.Positions;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.gptq.Gptq;
import org.lmqt.quant.gptq.GptqHessian;
import org.lmqt.quant.gptq.GptqMatrix;
import org.lmqt.quant.gptq.GptqOptions;
import org.lmqt.quant.gptq.GptqQuantizer;

/**
 * Block-wise GPTQ through the model: each subset's Hessian comes from the input its linears see with the earlier
 * subsets already quantized (true-sequential), and GPTQ's error feedback beats plain rounding on those inputs.
 */
class GptqModelQuantizerTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static final String MODEL = "fixtures/llama/tiny-llama-gqa-bf16";
    private static final QuantConfig B3G32 = new QuantConfig(3, 32);
    private static long[][] windows;
    private static Map<MatrixKey, GptqMatrix> result;

    /** Four windows of 96 tokens: Moby-Dick's bytes as ids, as the sensitivity fixture maps them. */
    @BeforeAll
    static void quantize() throws Exception {
        byte[] text = Files.readString(TestData.shared("corpus/moby-dick.txt")).getBytes(StandardCharsets.UTF_8);
        windows = new long[4][96];
        for (int w = 0; w < 4; w++) {
            for (int t = 0; t < 96; t++) {
                windows[w][t] = ((text[w * 96 + t] & 0xff) % 253) + 3;
            }
        }
        try (Checkpoint ckpt = Checkpoint.open(TestData.shared(MODEL));
             LlamaModel m = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU)) {
            result = new GptqModelQuantizer(new GptqQuantizer(GptqOptions.DEFAULT), B3G32)
                    .quantize(m, WeightSource.of(ckpt), windows, l -> { });
        }
    }

    @Test
    void everyMatrixIsQuantizedInTrueSequentialOrder() {
        List<String> order = result.keySet().stream().map(MatrixKey::id).toList();
        assertEquals(List.of("0.self_attn.k_proj", "0.self_attn.v_proj", "0.self_attn.q_proj", "0.self_attn.o_proj",
                "0.mlp.up_proj", "0.mlp.gate_proj", "0.mlp.down_proj", "1.self_attn.k_proj", "1.self_attn.v_proj",
                "1.self_attn.q_proj", "1.self_attn.o_proj", "1.mlp.up_proj", "1.mlp.gate_proj", "1.mlp.down_proj"),
                order);
    }

    /** Block 0's o_proj: its Hessian from attn_out with q/k/v quantized, not from the unquantized block's. */
    @Test
    void laterSubsetsSeeTheEarlierOnesQuantized() {
        try (Checkpoint ckpt = Checkpoint.open(TestData.shared(MODEL));
             LlamaModel m = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU);
             NDScope scope = new NDScope()) {
            Positions pos = m.positions(0, 96);
            DecoderBlock fp = m.block(0);
            DecoderBlock qkv = fp;
            for (String module : GptqModelQuantizer.SUBSETS.get(0)) {
                MatrixKey key = new MatrixKey(0, module);
                GptqMatrix g = result.get(key);
                NDArray w = m.manager().create(g.referenceWeight(), new Shape(g.shape()[0], g.shape()[1]));
                qkv = qkv.withLinear(new DenseLinear(key, w, null));
            }
            GptqHessian sequential = hessian(m, qkv, pos, BlockPart.ATTN_OUT);
            GptqHessian unquantized = hessian(m, fp, pos, BlockPart.ATTN_OUT);
            MatrixKey o = new MatrixKey(0, "self_attn.o_proj");
            var w = ckpt.tensor(o.weightName(ckpt.family()));
            GptqQuantizer q = new GptqQuantizer(GptqOptions.DEFAULT);
            GptqMatrix expected = q.quantize(w.data(), w.shape(), B3G32, sequential).matrix();
            assertArrayEquals(expected.referenceWeight(), result.get(o).referenceWeight(), "o_proj from the sequential inputs");
            assertFalse(java.util.Arrays.equals(sequential.values(), unquantized.values()),
                    "quantizing q/k/v changes what o_proj sees");
        }
    }

    /** GPTQ's error feedback: on the calibration inputs, each matrix's output error is below plain rounding's. */
    @Test
    void errorFeedbackBeatsRoundingOnTheCalibrationInputs() {
        try (Checkpoint ckpt = Checkpoint.open(TestData.shared(MODEL));
             LlamaModel m = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU);
             ActivationCapture cap = new ActivationCapture(m.manager(), Set.of(BlockPart.values()))) {
            // the unquantized model's block-0 inputs of the first subset: exactly what GPTQ saw for k/v/q
            try (var hook = m.addHook(cap)) {
                for (long[] w : windows) {
                    m.logits(w);
                }
            }
            for (String module : List.of("self_attn.k_proj", "self_attn.q_proj", "self_attn.v_proj")) {
                MatrixKey key = new MatrixKey(0, module);
                var w = ckpt.tensor(key.weightName(ckpt.family()));
                List<float[]> xs = new ArrayList<>();
                cap.inputs(0, BlockPart.ATTN_IN).forEach(x -> xs.add(x.toFloatArray()));
                int in = w.shape()[1];
                float[] identity = new float[in * in];   // GPTQ on an identity Hessian is plain rounding
                for (int i = 0; i < in; i++) {
                    identity[i * in + i] = 1;
                }
                GptqMatrix rtn = Gptq.fasterquant(w.data(), w.shape()[0], in, identity, 3, 32, GptqOptions.DEFAULT)
                        .matrix();
                double gptqErr = outputError(xs, w.data(), result.get(key).referenceWeight(), w.shape());
                double rtnErr = outputError(xs, w.data(), rtn.referenceWeight(), w.shape());
                assertTrue(gptqErr < 0.9 * rtnErr, key + ": GPTQ " + gptqErr + " vs rounding " + rtnErr);
            }
        }
        // and the quantized model runs: finite logits that differ from the unquantized ones
        try (Checkpoint ckpt = Checkpoint.open(TestData.shared(MODEL));
             LlamaModel plain = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU);
             LlamaModel q = LlamaModel.load(new MatrixOverrides(WeightSource.of(ckpt), result), ComputeDevice.CPU)) {
            float[] a = plain.logits(windows[0]);
            float[] b = q.logits(windows[0]);
            assertFalse(java.util.Arrays.equals(a, b));
            for (float v : b) {
                assertTrue(Float.isFinite(v));
            }
        }
    }

    private static GptqHessian hessian(LlamaModel m, DecoderBlock block, Positions pos, BlockPart part) {
        GptqHessian h = new GptqHessian(m.config().numHeads() * m.config().headDim());
        var hook = new org.lmqt.model.ForwardHook() {
            @Override
            public NDArray partInput(int layer, BlockPart p, NDArray x) {
                if (p == part) {
                    h.addSequence(x);
                }
                return x;
            }
        };
        for (long[] w : windows) {
            block.forward(m.embed(w), pos, null, List.of(hook));
        }
        return h;
    }

    /** {@code sum_x ||x W^T - x Q^T||^2} over the captured inputs, in double. */
    private static double outputError(List<float[]> xs, float[] w, float[] q, int[] shape) {
        int out = shape[0];
        int in = shape[1];
        double err = 0;
        for (float[] x : xs) {
            int rows = x.length / in;
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double d = 0;
                    for (int i = 0; i < in; i++) {
                        d += (double) x[r * in + i] * (w[o * in + i] - q[o * in + i]);
                    }
                    err += d * d;
                }
            }
        }
        return err;
    }
}
