package org.lmqt.quant.fp;

import java.util.Locale;

/**
 * microxcaling's {@code _quantize_mx} (microsoft/microxcaling {@code mx/mx_ops.py}, Python path; act-kv-methods-spec
 * §5.4) along the last axis of a row-major {@code [rows, cols]} tensor: blocks of {@code blockSize} elements (the
 * last block of a row zero-padded), one E8M0 shared exponent per block ({@code floor(log2 max|x|) - emax}, at
 * least −127), each element rounded to the element format with its own exponent and saturated at ±maxNorm, in
 * float32 as the reference's torch ops compute it. A NaN or ±inf anywhere in a block makes the whole block NaN.
 *
 * @param format    element format
 * @param rounding  {@link Rounding#NEAREST} (the library default: ties away from zero) or {@link Rounding#EVEN}
 * @param blockSize elements sharing an exponent (32 in the OCP spec)
 */
public record MxQuantizer(MxFormat format, Rounding rounding, int blockSize) {

    /** The scale's exponent range: E8M0 with 8 bits, {@code 2^(8-1) - 1}. */
    private static final int SCALE_EMAX = 127;

    /** How a scaled mantissa is rounded. */
    public enum Rounding {
        /** {@code sign * floor(|v| + 0.5)}: ties away from zero (microxcaling's default, {@code 'nearest'}). */
        NEAREST,
        /** Round half to even ({@code 'even'}). */
        EVEN;

        /** {@code nearest}. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public MxQuantizer {
        if (format == null || rounding == null || blockSize <= 0) {
            throw new IllegalArgumentException("an MX quantizer needs a format, a rounding and a positive block size");
        }
    }

    /** The OCP default: block 32, 'nearest'. */
    public static MxQuantizer of(MxFormat format) {
        return new MxQuantizer(format, Rounding.NEAREST, 32);
    }

    /** The fake-quantized copy of {@code x [rows, cols]}, blocks along each row. */
    public float[] fakeQuantize(float[] x, int rows, int cols) {
        if ((long) rows * cols != x.length) {
            throw new IllegalArgumentException(x.length + " values are not [" + rows + ", " + cols + "]");
        }
        float[] out = new float[x.length];                                      // [rows, cols]
        for (int r = 0; r < rows; r++) {
            for (int start = 0; start < cols; start += blockSize) {
                block(x, out, r * cols + start, Math.min(blockSize, cols - start));
            }
        }
        return out;
    }

    /** One block {@code x[start, start + n)} (the padding zeros change neither the maximum nor the others). */
    private void block(float[] x, float[] out, int start, int n) {
        // block maximum; a NaN or inf makes the shared exponent NaN and so every element NaN
        float max = 0f;
        for (int i = start; i < start + n; i++) {
            float a = Math.abs(x[i]);
            if (!Float.isFinite(a)) {
                max = Float.NaN;
                break;
            }
            max = Math.max(max, a);
        }
        if (Float.isNaN(max)) {
            java.util.Arrays.fill(out, start, start + n, Float.NaN);
            return;
        }
        // shared exponent: floor(log2(max)) (2^-126 added to a zero maximum), minus emax, at least -127
        float sharedExp = Float32Math.floorLog2(max + (max == 0f ? 0x1p-126f : 0f)) - format.emax();
        if (sharedExp > SCALE_EMAX) {
            java.util.Arrays.fill(out, start, start + n, Float.NaN);
            return;
        }
        sharedExp = Math.max(sharedExp, -SCALE_EMAX);
        float scale = Float32Math.exp2(sharedExp);
        for (int i = start; i < start + n; i++) {
            out[i] = element(x[i] / scale) * scale;
        }
    }

    /** {@code _quantize_elemwise_core} on one scaled element (denormals allowed, normals saturated). */
    private float element(float a) {
        // private exponent, clipped at the format's smallest normal exponent
        float privateExp = Float32Math.floorLog2(Math.abs(a) + (a == 0f ? 1f : 0f));
        privateExp = Math.max(privateExp, 2 - (1 << (format.ebits() - 1)));
        float unit = Float32Math.exp2(privateExp);
        float mantissaScale = Float32Math.exp2(format.mbits() - 2);
        // scale so the kept mantissa bits are the integer part, round, scale back
        float v = a / unit * mantissaScale;
        float r = round(v);
        float back = r / mantissaScale * unit;
        // saturate
        float clamped = Math.min(Math.max(back, -format.maxNorm()), format.maxNorm());
        if (Float.isInfinite(a)) {
            return a;
        }
        return clamped;
    }

    private float round(float v) {
        float abs = Math.abs(v);
        float sign = Math.signum(v);
        float nearest = (float) Math.floor(abs + 0.5f);
        if (rounding == Rounding.NEAREST) {
            return sign * nearest;
        }
        // 'even': subtract 1 where |v| - 0.5 is an even integer (the ties that went up to an odd value)
        float shifted = abs - 0.5f;
        float mod = shifted - 2f * (float) Math.floor(shifted / 2f); // Python-style modulo, as torch's %
        return sign * (nearest - (mod == 0f ? 1f : 0f));
    }
}
