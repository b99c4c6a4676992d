package org.lmqt.actquant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.DecoderBlock;
import org.lmqt.model.ForwardHook;
import org.lmqt.model.ForwardHook.AttnOperand;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.WeightSource;

/**
 * qllm-infer's attention matmul quantization against a scalar rendering: the operands the matmuls see are the
 * scalar asymmetric min-max quantization of Q and P per row, K per key token, V per channel across tokens, and the
 * attention output is the scalar attention of those operands.
 */
class AttnMatmulQuantHookTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static final Path GQA = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");

    /** Copies each operand it sees. */
    private static final class Recorder implements ForwardHook {
        final Map<AttnOperand, float[]> values = new EnumMap<>(AttnOperand.class);
        final Map<AttnOperand, long[]> shapes = new EnumMap<>(AttnOperand.class);

        @Override
        public NDArray attnMatmulInput(int layer, AttnOperand operand, NDArray x) {
            values.put(operand, x.toFloatArray());
            shapes.put(operand, x.getShape().getShape());
            return x;
        }
    }

    /** The scalar qllm-infer quantizer (asymmetric, 8 bits) of one group of values, read with a stride. */
    private static void minMax(float[] src, float[] dst, int start, int n, int stride) {
        float lo = 0f;
        float hi = 0f;
        for (int i = 0; i < n; i++) {
            lo = Math.min(lo, src[start + i * stride]);
            hi = Math.max(hi, src[start + i * stride]);
        }
        if (lo == 0f && hi == 0f) {
            lo = -1f;
            hi = 1f;
        }
        float step = (hi - lo) / 255f;
        float zero = (float) Math.rint(-lo / step);
        for (int i = 0; i < n; i++) {
            float q = Math.min(Math.max((float) Math.rint(src[start + i * stride] / step) + zero, 0f), 255f);
            dst[start + i * stride] = step * (q - zero);
        }
    }

    /** Per row of the last dimension. */
    private static float[] perRow(float[] x, int cols) {
        float[] out = new float[x.length];
        for (int r = 0; r < x.length / cols; r++) {
            minMax(x, out, r * cols, cols, 1);
        }
        return out;
    }

    @Test
    void operandsAndOutputMatchTheScalarRendering() {
        int t = 6;
        try (Checkpoint ckpt = Checkpoint.open(GQA);
             LlamaModel model = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU);
             NDScope scope = new NDScope()) {
            var c = model.config();
            int heads = c.numHeads();
            int kv = c.numKvHeads();
            int d = c.headDim();
            int group = heads / kv;
            Random r = new Random(4);
            float[] a = new float[t * c.hiddenSize()];                                // [T, hidden]
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextGaussian();
            }
            NDArray input = model.manager().create(a, new Shape(t, c.hiddenSize()));
            DecoderBlock block = model.block(0);
            Recorder raw = new Recorder();
            Recorder seen = new Recorder();
            float[] out = block.attention(input, model.positions(0, t), null,
                    List.of(raw, new AttnMatmulQuantHook(8), seen)).toFloatArray();   // [T, hidden]
            float[] plain = block.attention(input, model.positions(0, t), null, List.of()).toFloatArray();
            // 1. each operand is the scalar quantization of what reached the matmul
            float[] q = raw.values.get(AttnOperand.QUERY);                            // [H, T, d]
            float[] k = raw.values.get(AttnOperand.KEY);                              // [KV, T, d]
            float[] v = raw.values.get(AttnOperand.VALUE);                            // [KV, T, d]
            float[] p = raw.values.get(AttnOperand.PROBS);                            // [KV, group, T, T]
            float[] vq = new float[v.length];
            for (int h = 0; h < kv; h++) {
                for (int j = 0; j < d; j++) {
                    minMax(v, vq, h * t * d + j, t, d);                               // channel j across tokens
                }
            }
            assertArraysEqual(perRow(q, d), seen.values.get(AttnOperand.QUERY), "Q per row");
            assertArraysEqual(perRow(k, d), seen.values.get(AttnOperand.KEY), "K per key token");
            assertArraysEqual(perRow(p, t), seen.values.get(AttnOperand.PROBS), "P per query row");
            assertArraysEqual(vq, seen.values.get(AttnOperand.VALUE), "V per channel");
            // 2. P is the softmax of the quantized Q·Kᵀ (causal)
            float[] qq = seen.values.get(AttnOperand.QUERY);
            float[] kq = seen.values.get(AttnOperand.KEY);
            float[] pq = seen.values.get(AttnOperand.PROBS);
            for (int h = 0; h < heads; h++) {
                int g = h / group;
                for (int i = 0; i < t; i++) {
                    double[] s = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        for (int e = 0; e < d; e++) {
                            s[j] += (double) qq[(h * t + i) * d + e] * kq[(g * t + j) * d + e];
                        }
                        s[j] /= Math.sqrt(d);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        sum += Math.exp(s[j] - max);
                    }
                    for (int j = 0; j < t; j++) {
                        double want = j <= i ? Math.exp(s[j] - max) / sum : 0;
                        assertEquals(want, p[(h * t + i) * t + j], 1e-5, "P " + h + "," + i + "," + j);
                    }
                }
            }
            // 3. the output is o_proj of the quantized P·V
            float[] wo = ckpt.tensor("model.layers.0.self_attn.o_proj.weight").data();   // [hidden, H*d]
            double err = 0;
            double norm = 0;
            for (int i = 0; i < t; i++) {
                double[] ctx = new double[heads * d];                                   // [H*d]
                for (int h = 0; h < heads; h++) {
                    for (int e = 0; e < d; e++) {
                        for (int j = 0; j < t; j++) {
                            ctx[h * d + e] += (double) pq[(h * t + i) * t + j] * vq[((h / group) * t + j) * d + e];
                        }
                    }
                }
                for (int o = 0; o < c.hiddenSize(); o++) {
                    double y = 0;
                    for (int e = 0; e < heads * d; e++) {
                        y += ctx[e] * wo[o * heads * d + e];
                    }
                    err += (y - out[i * c.hiddenSize() + o]) * (y - out[i * c.hiddenSize() + o]);
                    norm += y * y;
                }
            }
            assertTrue(Math.sqrt(err / norm) < 1e-5, "output normwise error " + Math.sqrt(err / norm));
            // and the quantization changed the output
            double diff = 0;
            for (int i = 0; i < out.length; i++) {
                diff = Math.max(diff, Math.abs(out[i] - plain[i]));
            }
            assertTrue(diff > 1e-4, "quantized attention differs from the plain one: " + diff);
        }
    }

    private static void assertArraysEqual(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 0f, what + " element " + i);
        }
    }
}
