package org.lmqt.quant.fp;

/**
 * torch's float32 → float8 casts, bit for bit as c10 computes them ({@code c10/util/Float8_e4m3fn.h},
 * {@code Float8_e5m2.h}): round to nearest with ties to the even code, subnormals by the FPU's own rounding
 * (the value is added to a power of two whose ulp is the target's subnormal step), and the overflow rules of each
 * format. Codes are returned as {@code 0..255}.
 */
public final class Fp8Cast {
    private Fp8Cast() {}

    /** e4m3fn's NaN code (sign bit clear); the format has no infinities. */
    public static final int E4M3FN_NAN = 0x7F;
    /** e4m3fn's largest finite code, 448. */
    public static final int E4M3FN_MAX = 0x7E;
    /** e5m2's +inf code. */
    public static final int E5M2_INF = 0x7C;

    /**
     * {@code fp8e4m3fn_from_fp32_value}: |x| at or above 480 as float32 bits (so everything rounding past 448, ±inf
     * and NaN) becomes NaN with x's sign.
     */
    public static int e4m3fn(float f) {
        final int fp8Max = 1087 << 20;        // 480.0f
        final int denormMask = 141 << 23;     // 2^14, whose ulp is 2^-9
        int bits = Float.floatToRawIntBits(f);
        int sign = bits & 0x80000000;
        bits ^= sign;
        int result;
        if (bits >= fp8Max) {
            result = E4M3FN_NAN;
        } else if (bits < (121 << 23)) {
            // below 2^-6: the float add rounds onto the subnormal grid (half to even)
            bits = Float.floatToRawIntBits(Float.intBitsToFloat(bits) + Float.intBitsToFloat(denormMask));
            result = (bits - denormMask) & 0xFF;
        } else {
            // rebias the exponent and round the mantissa to 3 bits, ties to even
            int mantOdd = (bits >>> 20) & 1;
            bits += ((7 - 127) << 23) + 0x7FFFF;
            bits += mantOdd;
            result = (bits >>> 20) & 0xFF;
        }
        return result | (sign >>> 24);
    }

    /**
     * The CUDA {@code __nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3)} conversion: as {@link #e4m3fn} except
     * that finite values and ±inf beyond the range saturate to ±448; NaN stays NaN.
     */
    public static int e4m3fnSatfinite(float f) {
        if (Float.isNaN(f)) {
            return e4m3fn(f);
        }
        int code = e4m3fn(f);
        return (code & 0x7F) == E4M3FN_NAN ? (code & 0x80) | E4M3FN_MAX : code;
    }

    /** The value of an e4m3fn code (exact). */
    public static float e4m3fnValue(int code) {
        int exponent = (code >>> 3) & 0xF;
        int mantissa = code & 0x7;
        float sign = (code & 0x80) != 0 ? -1f : 1f;
        if (exponent == 0xF && mantissa == 0x7) {
            return Float.NaN;
        }
        if (exponent == 0) {
            return sign * Math.scalb((float) mantissa, -9);
        }
        return sign * Math.scalb(1f + mantissa / 8f, exponent - 7);
    }

    /**
     * {@code fp8e5m2_from_fp32_value}: |x| at or above 65536 as float32 bits becomes ±inf (NaN stays NaN, code
     * {@code 0x7F} with its sign).
     */
    public static int e5m2(float f) {
        final int fp32Inf = 255 << 23;
        final int fp8Max = 143 << 23;         // 65536.0f
        final int denormMask = 134 << 23;     // 2^7, whose ulp is 2^-16
        int bits = Float.floatToRawIntBits(f);
        int sign = bits & 0x80000000;
        bits ^= sign;
        int result;
        if (bits >= fp8Max) {
            result = bits > fp32Inf ? 0x7F : E5M2_INF;
        } else if (bits < (113 << 23)) {
            // below 2^-14: subnormal grid by the float add
            bits = Float.floatToRawIntBits(Float.intBitsToFloat(bits) + Float.intBitsToFloat(denormMask));
            result = (bits - denormMask) & 0xFF;
        } else {
            // rebias and round the mantissa to 2 bits, ties to even
            int mantOdd = (bits >>> 21) & 1;
            bits += ((15 - 127) << 23) + 0xFFFFF;
            bits += mantOdd;
            result = (bits >>> 21) & 0xFF;
        }
        return result | (sign >>> 24);
    }

    /** The value of an e5m2 code (exact; the code is the top byte of an fp16). */
    public static float e5m2Value(int code) {
        int exponent = (code >>> 2) & 0x1F;
        int mantissa = code & 0x3;
        float sign = (code & 0x80) != 0 ? -1f : 1f;
        if (exponent == 0x1F) {
            return mantissa == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        }
        if (exponent == 0) {
            return sign * Math.scalb((float) mantissa, -16);
        }
        return sign * Math.scalb(1f + mantissa / 4f, exponent - 15);
    }
}
