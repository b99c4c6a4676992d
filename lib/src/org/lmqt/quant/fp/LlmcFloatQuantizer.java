package org.lmqt.quant.fp;

import java.util.Locale;

/**
 * LLMC's {@code FloatQuantizer} fake quantization (ModelTC/llmc {@code quant.py}; act-kv-methods-spec §5.3) of a
 * row-major {@code [rows, cols]} tensor (weights {@code [out, in]}, activations {@code [tokens, features]}), in
 * float32 as the reference's torch ops compute it.
 * <ul>
 *   <li>Without qtorch ({@code rtn_we4m3ae4m3} and friends): per group, {@code maxval = max|x|},
 *   {@code bias = 2^e - log2(maxval) + log2(2 - 2^-m) - 1}, {@code xc = clamp(x, -maxval, maxval)},
 *   {@code E = max(floor(log2|xc| + bias), 1)}, {@code scale = 2^(E - m - bias)}, result
 *   {@code round(xc / scale) * scale}: every group's maximum is on the grid. An all-zero group gives NaN, as in
 *   the reference.</li>
 *   <li>With qtorch ({@code use_qtorch: True}): {@code step = max(max|x|, 1e-5) / qmax},
 *   {@code qtorch(x / step) * step}.</li>
 * </ul>
 *
 * @param format      element format
 * @param granularity which elements share a scale
 * @param groupSize   elements per group for {@link Granularity#PER_GROUP} (consecutive in a row), else 0
 * @param qtorch      LLMC's {@code use_qtorch} path
 */
public record LlmcFloatQuantizer(FloatFormat format, Granularity granularity, int groupSize, boolean qtorch) {

    /** Which elements share one scale. */
    public enum Granularity {
        /** One row of a {@code [out, in]} weight. */
        PER_CHANNEL,
        /** One token (row) of a {@code [tokens, features]} activation. */
        PER_TOKEN,
        /** {@code groupSize} consecutive elements of a row. */
        PER_GROUP;

        /** {@code per_channel}. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public LlmcFloatQuantizer {
        if (format == null || granularity == null) {
            throw new IllegalArgumentException("a float quantizer needs a format and a granularity");
        }
        if ((granularity == Granularity.PER_GROUP) != (groupSize > 0)) {
            throw new IllegalArgumentException("a group size goes with per_group only, got " + granularity + " "
                    + groupSize);
        }
    }

    /** Per row (per_channel for weights, per_token for activations, which group the same way). */
    public static LlmcFloatQuantizer perRow(FloatFormat format, Granularity granularity, boolean qtorch) {
        return new LlmcFloatQuantizer(format, granularity, 0, qtorch);
    }

    /** The fake-quantized copy of {@code x [rows, cols]}. */
    public float[] fakeQuantize(float[] x, int rows, int cols) {
        if ((long) rows * cols != x.length) {
            throw new IllegalArgumentException(x.length + " values are not [" + rows + ", " + cols + "]");
        }
        int group = granularity == Granularity.PER_GROUP ? groupSize : cols;
        if (cols % group != 0) {
            throw new IllegalArgumentException("group size " + group + " does not divide the row length " + cols);
        }
        float[] out = new float[x.length];                                      // [rows, cols]
        for (int start = 0; start < x.length; start += group) {
            if (qtorch) {
                qtorchGroup(x, out, start, group);
            } else {
                exponentGroup(x, out, start, group);
            }
        }
        return out;
    }

    /** The non-qtorch path on {@code x[start, start + n)}. */
    private void exponentGroup(float[] x, float[] out, int start, int n) {
        float e = format.exp();
        float m = format.man();
        // group maximum |x| (NaN propagates like torch's amax)
        float maxval = absMax(x, start, n);
        // the bias that puts maxval on the largest grid value
        float log2Top = Float32Math.log2(2f - Float32Math.exp2(-m));
        float bias = ((Float32Math.exp2(e) - Float32Math.log2(maxval)) + log2Top) - 1f;
        // scales by private exponent (1 .. 2^e for a finite group), computed once each
        float[] scales = new float[(1 << format.exp()) + 2];
        for (int i = start; i < start + n; i++) {
            // clamp, private exponent (at least 1: the subnormal range), scale, round half to even
            float xc = Math.min(Math.max(x[i], -maxval), maxval);
            float logScale = Math.max((float) Math.floor(Float32Math.log2(Math.abs(xc)) + bias), 1f);
            int slot = (int) logScale;
            float scale;
            if (slot >= 1 && slot < scales.length) {
                if (scales[slot] == 0f) {
                    scales[slot] = Float32Math.exp2((logScale - m) - bias);
                }
                scale = scales[slot];
            } else {
                scale = Float32Math.exp2((logScale - m) - bias);                // NaN groups
            }
            out[i] = Float32Math.roundHalfEven(xc / scale) * scale;
        }
    }

    /** The qtorch path on {@code x[start, start + n)}. */
    private void qtorchGroup(float[] x, float[] out, int start, int n) {
        // symmetric step from the group maximum
        float step = Math.max(absMax(x, start, n), 1e-5f) / format.llmcQmax();
        if (step == 0f) {
            step = 1f;
        }
        for (int i = start; i < start + n; i++) {
            out[i] = QtorchFloat.quantize(x[i] / step + 0f, format.exp(), format.man()) * step;
        }
    }

    private static float absMax(float[] x, int start, int n) {
        float max = 0f;
        for (int i = start; i < start + n; i++) {
            float a = Math.abs(x[i]);
            if (Float.isNaN(a)) {
                return Float.NaN;
            }
            max = Math.max(max, a);
        }
        return max;
    }

    /**
     * LLMC's per-block FP8 export ({@code weight_cast_to_fp8}, DeepSeek-V3 style): the weight zero-padded to
     * multiples of {@code block} in both dimensions, per block {@code step = max(max|w|, 1e-5) / 448},
     * {@code code = e4m3fn(qtorch_e4m3(w / step))}; {@link BlockFp8#dequantize()} is {@code value(code) * step} (as
     * {@code weight_cast_to_bf16}, kept in float32).
     */
    public static BlockFp8 blockE4m3(float[] w, int rows, int cols, int block) {
        if ((long) rows * cols != w.length || block <= 0) {
            throw new IllegalArgumentException(w.length + " values are not [" + rows + ", " + cols + "] in blocks of "
                    + block);
        }
        int blockRows = (rows + block - 1) / block;
        int blockCols = (cols + block - 1) / block;
        float[] steps = new float[blockRows * blockCols];                       // [rows/block, cols/block]
        byte[] codes = new byte[w.length];                                      // [rows, cols]
        for (int br = 0; br < blockRows; br++) {
            for (int bc = 0; bc < blockCols; bc++) {
                // block maximum (padding zeros do not change it)
                float max = 0f;
                for (int r = br * block; r < Math.min(rows, (br + 1) * block); r++) {
                    for (int c = bc * block; c < Math.min(cols, (bc + 1) * block); c++) {
                        max = Math.max(max, Math.abs(w[r * cols + c]));
                    }
                }
                float step = Math.max(max, 1e-5f) / 448f;
                steps[br * blockCols + bc] = step;
                // qtorch e4m3 rounding, then the exact cast to float8_e4m3fn
                for (int r = br * block; r < Math.min(rows, (br + 1) * block); r++) {
                    for (int c = bc * block; c < Math.min(cols, (bc + 1) * block); c++) {
                        float q = QtorchFloat.quantize(w[r * cols + c] / step, 4, 3);
                        codes[r * cols + c] = (byte) Fp8Cast.e4m3fn(q);
                    }
                }
            }
        }
        return new BlockFp8(rows, cols, block, codes, steps);
    }

    /**
     * A block-scaled e4m3fn weight.
     *
     * @param codes {@code [rows, cols]} e4m3fn codes
     * @param steps {@code [ceil(rows/block), ceil(cols/block)]} float32 scales
     */
    public record BlockFp8(int rows, int cols, int block, byte[] codes, float[] steps) {
        /** {@code value(code) * step}, {@code [rows, cols]}. */
        public float[] dequantize() {
            int blockCols = (cols + block - 1) / block;
            float[] out = new float[codes.length];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    float step = steps[(r / block) * blockCols + c / block];
                    out[r * cols + c] = Fp8Cast.e4m3fnValue(codes[r * cols + c] & 0xFF) * step;
                }
            }
            return out;
        }
    }
}
