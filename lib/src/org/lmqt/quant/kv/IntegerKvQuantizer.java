package org.lmqt.quant.kv;

import ai.djl.ndarray.NDArray;

/**
 * LLMC's {@code IntegerQuantizer} as its naive KV cache applies it (dynamic: the parameters come from the tensor
 * itself), over the last axis of {@code [KV, T, d]}: symmetric {@code step = clamp(max|x|, 1e-5) / (2^(b-1) - 1)},
 * {@code q = clamp(round(x / step), -2^(b-1), 2^(b-1) - 1)}, value {@code q * step}; asymmetric
 * {@code step = clamp(max - min, 1e-5) / (2^b - 1)}, {@code zero = clamp(-round(min / step), 0, 2^b - 1)},
 * {@code q = clamp(round(x / step) + zero, 0, 2^b - 1)}, value {@code (q - zero) * step}. Round half to even.
 *
 * @param bits        bits per code (2..8)
 * @param symmetric   symmetric (LLMC's KV configs) or asymmetric
 * @param granularity which values share a step
 * @param groupSize   channels per group for {@link Granularity#PER_GROUP} (else ignored, 0)
 */
public record IntegerKvQuantizer(int bits, boolean symmetric, Granularity granularity, int groupSize)
        implements NaiveKvQuantizer {
    /** Which values share one step: a token's channels of one head, a group of them, or the whole tensor. */
    public enum Granularity { PER_TOKEN, PER_GROUP, PER_TENSOR }

    public IntegerKvQuantizer {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("naive KV bits must be 2..8, got " + bits);
        }
        if (granularity == Granularity.PER_GROUP ? groupSize < 1 : groupSize != 0) {
            throw new IllegalArgumentException("a group size goes with per-group granularity only, got "
                    + granularity + " and " + groupSize);
        }
    }

    @Override
    public NDArray apply(NDArray x) {
        long kv = x.getShape().get(0);
        long t = x.getShape().get(1);
        long d = x.getShape().get(2);
        // the groups: [KV, T, d] rows for per-token, [KV, T, d/G, G] for per-group, one row for per-tensor
        NDArray g = switch (granularity) {
            case PER_TOKEN -> x;                                                      // [KV, T, d]
            case PER_GROUP -> x.reshape(kv, t, d / groupSize, groupSize);             // [KV, T, d/G, G]
            case PER_TENSOR -> x.reshape(1, kv * t * d);                              // [1, all]
        };
        int[] axis = {-1};
        NDArray out;
        if (symmetric) {
            // step from max |x|, codes in [-2^(b-1), 2^(b-1) - 1]
            int qmax = (1 << (bits - 1)) - 1;
            NDArray step = g.abs().max(axis, true).maximum(1e-5f).div(qmax);
            out = g.div(step).round().clip(-qmax - 1, qmax).mul(step);
        } else {
            // step from max - min, integer zero point, codes in [0, 2^b - 1]
            int qmax = (1 << bits) - 1;
            NDArray mn = g.min(axis, true);
            NDArray step = g.max(axis, true).sub(mn).maximum(1e-5f).div(qmax);
            NDArray zero = mn.div(step).round().neg().clip(0, qmax);
            out = g.div(step).round().add(zero).clip(0, qmax).sub(zero).mul(step);
        }
        return out.reshape(kv, t, d);                                                 // [KV, T, d]
    }

    @Override
    public String suffix() {
        return bits + (symmetric ? "" : "-asym") + switch (granularity) {
            case PER_TOKEN -> "";
            case PER_TENSOR -> "-tensor";
            case PER_GROUP -> "-g" + groupSize;
        };
    }

    @Override
    public void checkFits(String name, int headDim) {
        if (granularity == Granularity.PER_GROUP && headDim % groupSize != 0) {
            throw new org.lmqt.cli.UserException(name + ": the KV group size " + groupSize
                    + " does not divide head_dim " + headDim);
        }
    }

    @Override
    public double bytesPerToken(int kvHeads, int headDim) {
        double groups = switch (granularity) {
            case PER_TOKEN -> kvHeads;
            case PER_GROUP -> (double) kvHeads * headDim / groupSize;
            case PER_TENSOR -> 0;
        };
        // codes, and per group a step (and a zero point) as fp16
        return kvHeads * headDim * bits / 8.0 + groups * (symmetric ? 2 : 4);
    }
}
