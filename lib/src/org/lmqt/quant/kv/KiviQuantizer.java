package org.lmqt.quant.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;

/**
 * KIVI's group quantizer (jy-yuan/KIVI {@code quant/new_pack.py}, which qllm-infer vendors unchanged), as fake
 * quantization: per group of {@code groupSize} values {@code scale = (max - min) / (2^bits - 1)},
 * {@code code = round(clamp((x - min) / scale, 0, 2^bits - 1))} (division, clamp, then round half to even),
 * dequantized {@code code * scale + min}, in the array's type (float32 on CPU, float16 on CUDA, as the reference in
 * its fp16 model). A constant group gives 0/0: the code is NaN, which the reference's GPU cast turns into 0, so it
 * dequantizes to the group's minimum; here NaN codes are set to 0 the same way. The codes are not bit-packed (the
 * packing is lossless and only saves memory, counted by {@link KiviPolicy#bytesPerToken}).
 *
 * @param bits      bits per code (2, 4 or 8: the reference's packer)
 * @param groupSize values per group
 */
public record KiviQuantizer(int bits, int groupSize) {
    public KiviQuantizer {
        if (bits != 2 && bits != 4 && bits != 8) {
            throw new IllegalArgumentException("KIVI bits must be 2, 4 or 8, got " + bits);
        }
        if (groupSize < 1) {
            throw new IllegalArgumentException("KIVI group size must be positive, got " + groupSize);
        }
    }

    /**
     * Dequantized array and its per-group parameters.
     *
     * @param dequantized same shape as the input
     * @param scale       keys {@code [KV, d, n/G]}, values {@code [KV, n, d/G]}
     * @param min         same shape as {@code scale}
     */
    public record Groups(NDArray dequantized, NDArray scale, NDArray min) {}

    /** Keys {@code [KV, n, d]} per channel: each channel's tokens in groups of G ({@code n % G == 0}). */
    public Groups keys(NDArray k) {
        long kv = k.getShape().get(0);
        long n = k.getShape().get(1);
        long d = k.getShape().get(2);
        if (n % groupSize != 0) {
            throw new IllegalArgumentException(n + " tokens are not a multiple of the KIVI group size " + groupSize);
        }
        NDArray x = k.reshape(kv, n / groupSize, groupSize, d);                    // [KV, n/G, G, d]
        Groups g = fakeQuantize(x, 2);
        return new Groups(g.dequantized().reshape(kv, n, d),                       // [KV, n, d]
                g.scale().squeeze(2).transpose(0, 2, 1),                           // [KV, d, n/G]
                g.min().squeeze(2).transpose(0, 2, 1));                            // [KV, d, n/G]
    }

    /** Values {@code [KV, n, d]} per token: each token's channels in groups of G ({@code d % G == 0}). */
    public Groups values(NDArray v) {
        long kv = v.getShape().get(0);
        long n = v.getShape().get(1);
        long d = v.getShape().get(2);
        if (d % groupSize != 0) {
            throw new IllegalArgumentException("head_dim " + d + " is not a multiple of the KIVI group size " + groupSize);
        }
        NDArray x = v.reshape(kv, n, d / groupSize, groupSize);                    // [KV, n, d/G, G]
        Groups g = fakeQuantize(x, 3);
        return new Groups(g.dequantized().reshape(kv, n, d),                       // [KV, n, d]
                g.scale().squeeze(3),                                              // [KV, n, d/G]
                g.min().squeeze(3));                                               // [KV, n, d/G]
    }

    /** Fake quantization of groups lying along {@code axis} of {@code x}; parameters keep that axis (size 1). */
    private Groups fakeQuantize(NDArray x, int axis) {
        int maxCode = (1 << bits) - 1;
        // per-group minimum, maximum and step
        NDArray mn = x.min(new int[] {axis}, true);                                // groups with axis of size 1
        NDArray mx = x.max(new int[] {axis}, true);
        NDArray scale = mx.sub(mn).div(maxCode);
        // codes: subtract, divide, clamp, round half to even; NaN (0/0 of a constant group) becomes code 0
        NDArray code = x.sub(mn).div(scale).clip(0, maxCode).round();
        code = NDArrays.where(code.isNaN(), code.zerosLike(), code);
        // dequantize
        return new Groups(code.mul(scale).add(mn), scale, mn);
    }
}
