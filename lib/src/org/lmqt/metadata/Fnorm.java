package org.lmqt.metadata;

import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.Floats;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.quant.Hqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.WeightQuantizer;

/**
 * The FNorm of one weight matrix under one config, as the original's FNorm tool computes it (lmqt-spec §4.5):
 * HQQ with {@code optimize=True} and every other default (axis 0, no {@code round_zero}, no meta-quantization),
 * dequantized in fp16, and {@code ||W - Wq||_F} in the dtype PyTorch promotes the subtraction to: fp16 for fp16
 * checkpoints (each difference and the result rounded to fp16, so values look like {@code 23.5625}), float32 for
 * bf16 and f32 checkpoints.
 * <p>
 * Deliberate difference: the original optimises in fp16 on CUDA; we run the fork's float32 CPU path, so values can
 * differ from archived GPU-made tables around 1e-3 relative.
 */
public final class Fnorm {
    private Fnorm() {}

    /** The FNorm of {@code w} quantized with {@code config} by {@code quantizer}. */
    public static double of(WeightQuantizer quantizer, Tensor w, QuantConfig config) {
        float[] wq = quantizer.apply(w.data(), w.shape(), Hqq.Spec.hqq(config.bits(), config.group())).dequantizeHalf();
        return norm(w.data(), wq, w.storage() == DType.F16);
    }

    /** {@code ||w - wq||_F}; in fp16 arithmetic when {@code half} (torch.norm accumulates in float, rounds at the end). */
    static double norm(float[] w, float[] wq, boolean half) {
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            float d = w[i] - wq[i];
            if (half) {
                d = Floats.toHalf(d);
            }
            sum += (double) d * d;
        }
        float result = (float) Math.sqrt(sum);
        return half ? Floats.toHalf(result) : result;
    }
}
