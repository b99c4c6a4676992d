package org.lmqt.quant;

/**
 * The code tables of bitsandbytes (calib-methods-spec §4.1) and the two nearest-code searches its CUDA kernels use:
 * the 16 NF4 values with the decision tree of {@code dQuantizeNF4}, and the signed dynamic 8-bit map (the nested
 * absmax of double quantization) with the binary search of {@code dQuantize}.
 */
public final class BnbTables {
    /**
     * The NF4 values of {@code get_4bit_type("nf4")} as float32, sorted, code i = value i ({@code [16]}). They are
     * {@code create_normal_map(offset=0.9677083, use_extra_value=True)}: the normal quantiles at 8 points from 0.9677083
     * towards 0.5, the negated ones at 7 points, and 0, divided by the largest.
     */
    private static final float[] NF4 = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
        -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
        0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
        0.7229568362236023f, 1.0f};
    /** The 15 float32 decision thresholds between neighbouring NF4 values ({@code [15]}). */
    private static final float[] NF4_THRESHOLDS = midpoints(NF4);
    /** {@code create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)}, sorted ({@code [256]}). */
    private static final float[] DYNAMIC = dynamicMap();

    /** Float lanes of PyTorch's AVX2 vectors. */
    private static final int LINSPACE_LANES = 8;

    private BnbTables() {}

    /** A copy of the NF4 table, {@code [16]}. */
    public static float[] nf4() {
        return NF4.clone();
    }

    /** A copy of the signed dynamic 8-bit map, {@code [256]}. */
    public static float[] dynamic() {
        return DYNAMIC.clone();
    }

    /** NF4 value of {@code code} (0..15). */
    static float nf4Value(int code) {
        return NF4[code];
    }

    /** Dynamic-map value of {@code code} (0..255). */
    static float dynamicValue(int code) {
        return DYNAMIC[code];
    }

    /**
     * The NF4 code of a normalized value: the number of thresholds strictly below {@code y}, so a value exactly on
     * a threshold takes the lower code; NaN (an all-zero block, {@code 0 * inf}) passes no comparison: code 0.
     */
    static int nf4Code(float y) {
        int code = 0;
        for (float t : NF4_THRESHOLDS) {
            if (y > t) {
                code++;
            }
        }
        return code;
    }

    /**
     * The 8-bit code of {@code y} in the dynamic map as {@code dQuantize} finds it: seven halving steps from pivot
     * 127 (right while {@code y > map[pivot]}), then the final (even) pivot or its neighbour on {@code y}'s side,
     * the neighbour only when {@code y} is strictly beyond their float32 midpoint. Nearest code, an exact midpoint
     * to the even index; NaN gives 0.
     */
    static int dynamicCode(float y) {
        int pivot = 127;
        int upperPivot = 255;
        int lowerPivot = 0;
        float lower = DYNAMIC[0];
        float upper = DYNAMIC[255];
        float val = DYNAMIC[pivot];
        // binary search: the last pivots seen on either side bracket y
        for (int step = 64; step > 0; step >>= 1) {
            if (y > val) {
                lowerPivot = pivot;
                lower = val;
                pivot += step;
            } else {
                upperPivot = pivot;
                upper = val;
                pivot -= step;
            }
            val = DYNAMIC[pivot];
        }
        // the final choice between the pivot and its neighbour, at their float32 midpoint
        if (y > val) {
            return y > (upper + val) * 0.5f ? upperPivot : pivot;
        }
        return y < (lower + val) * 0.5f ? lowerPivot : pivot;
    }

    /** Float32 midpoints {@code (c[i] + c[i+1]) / 2} of a sorted table ({@code [c.length - 1]}). */
    private static float[] midpoints(float[] c) {
        float[] m = new float[c.length - 1];
        for (int i = 0; i < m.length; i++) {
            m[i] = (c[i] + c[i + 1]) / 2f;
        }
        return m;
    }

    /**
     * The signed dynamic map: for {@code i = 0..6}, the {@code 2^i} float32 midpoints of {@code 2^i + 1} points
     * evenly spaced on {@code [0.1, 1]} (PyTorch's float32 {@code linspace}), times {@code float32(10^(i-6))}, with
     * both signs; then 0 and 1.0; sorted.
     */
    private static float[] dynamicMap() {
        float[] map = new float[256];
        int k = 0;
        for (int i = 0; i < 7; i++) {
            float[] points = linspace(0.1f, 1f, (1 << i) + 1);   // [2^i + 1]
            float[] means = midpoints(points);                    // [2^i]
            float decade = (float) Math.pow(10, i - 6);
            for (float m : means) {
                map[k++] = decade * m;
                map[k++] = -decade * m;
            }
        }
        map[k++] = 0f;
        map[k++] = 1f;
        if (k != 256) {
            throw new AssertionError("dynamic map has " + k + " values");
        }
        java.util.Arrays.sort(map);
        return map;
    }

    /**
     * PyTorch's CPU float32 {@code linspace(start, end, steps)} as its AVX2 build computes it: {@code step = (end -
     * start) / (steps - 1)}; point {@code i} is {@code start + step*i} in the first half and {@code end -
     * step*(steps-1-i)} in the second, each one fused multiply-add; the output is filled two vectors of
     * {@value #LINSPACE_LANES} at a time, a vector's lanes being its first point plus {@code j*step} (a product and
     * a sum), and the tail point by point. (Reconstructed from the kernel's code; reproduces the repository's
     * {@code create_dynamic_map} bit for bit, the plain two-rounding formula misses 44 of its 256 values.)
     */
    static float[] linspace(float start, float end, int steps) {
        float[] out = new float[steps];                           // [steps]
        float step = (end - start) / (steps - 1);
        int i = 0;
        // the vectorized part: two vectors per iteration, each from its fused first point
        for (; i + 2 * LINSPACE_LANES <= steps; i += 2 * LINSPACE_LANES) {
            for (int v = i; v < i + 2 * LINSPACE_LANES; v += LINSPACE_LANES) {
                float base = linspacePoint(start, end, step, steps, v);
                for (int j = 0; j < LINSPACE_LANES; j++) {
                    out[v + j] = base + j * step;
                }
            }
        }
        // the scalar tail
        for (; i < steps; i++) {
            out[i] = linspacePoint(start, end, step, steps, i);
        }
        return out;
    }

    /** Point {@code i} of a linspace, one fused multiply-add from the nearer end's half. */
    private static float linspacePoint(float start, float end, float step, int steps, int i) {
        return i < steps / 2 ? Math.fma(step, i, start) : Math.fma(-step, steps - 1 - i, end);
    }
}
