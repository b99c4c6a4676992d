package org.lmqt.quant.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.lmqt.cli.UserException;
import org.lmqt.quant.fp.FloatFormat;
import org.lmqt.quant.fp.LlmcFloatQuantizer;

/**
 * LLMC's {@code FloatQuantizer} as its naive KV cache applies it ({@code quant_type: float-quant}), dynamic: each
 * token's channels of one head (or each group of {@code groupSize} of them) share a scale, with or without LLMC's
 * qtorch path ({@link LlmcFloatQuantizer}, bit for bit with its golden). The cache's keys and values go through the
 * float32 quantizer and come back in their own dtype.
 *
 * @param quantizer the float quantizer over rows of {@code d} channels (per token) or groups
 */
public record FloatKvQuantizer(LlmcFloatQuantizer quantizer) implements NaiveKvQuantizer {
    public FloatKvQuantizer {
        if (quantizer.granularity() == LlmcFloatQuantizer.Granularity.PER_CHANNEL) {
            throw new IllegalArgumentException("the KV cache is quantized per token or per group, not per channel");
        }
    }

    /** {@code e4m3} per token, or per group of {@code group} channels when {@code group > 0}. */
    public static FloatKvQuantizer of(FloatFormat format, int group, boolean qtorch) {
        return new FloatKvQuantizer(group > 0
                ? new LlmcFloatQuantizer(format, LlmcFloatQuantizer.Granularity.PER_GROUP, group, qtorch)
                : LlmcFloatQuantizer.perRow(format, LlmcFloatQuantizer.Granularity.PER_TOKEN, qtorch));
    }

    @Override
    public NDArray apply(NDArray x) {
        long kv = x.getShape().get(0);
        long t = x.getShape().get(1);
        int d = (int) x.getShape().get(2);
        // one row per (head, token): the float quantizer's per-token (or per-group) scales
        float[] values = x.toType(DataType.FLOAT32, false).toFloatArray();          // [KV * T * d]
        float[] q = quantizer.fakeQuantize(values, (int) (kv * t), d);              // [KV * T, d]
        return x.getManager().create(q, x.getShape()).toType(x.getDataType(), false);   // [KV, T, d]
    }

    @Override
    public String suffix() {
        return "-" + quantizer.format().name() + (quantizer.qtorch() ? "-qtorch" : "")
                + (quantizer.granularity() == LlmcFloatQuantizer.Granularity.PER_GROUP ? "-g" + quantizer.groupSize()
                : "");
    }

    @Override
    public void checkFits(String name, int headDim) {
        if (quantizer.groupSize() > 0 && headDim % quantizer.groupSize() != 0) {
            throw new UserException(name + ": the KV group size " + quantizer.groupSize() + " does not divide "
                    + "head_dim " + headDim);
        }
    }

    @Override
    public double bytesPerToken(int kvHeads, int headDim) {
        double groups = quantizer.groupSize() > 0 ? (double) kvHeads * headDim / quantizer.groupSize() : kvHeads;
        // codes of the format's width, and an fp16 scale per group
        return kvHeads * headDim * quantizer.format().bits() / 8.0 + groups * 2;
    }
}
