package org.lmqt.quant.gptq;

import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * AutoGPTQ's {@code fasterquant} (calib-methods-spec §2.3) with its quantizer (§2.2), in float32: one weight matrix
 * and its Hessian in, codes, scales, zeros and {@code g_idx} out.
 */
public final class Gptq {
    /** Bit widths GPTQ's packed format supports. */
    public static final java.util.List<Integer> BITS = java.util.List.of(2, 3, 4, 8);

    private Gptq() {}

    /**
     * What {@code fasterquant} returns, plus its bookkeeping.
     *
     * @param matrix the quantized matrix (codes in original column order)
     * @param perm   processing order {@code [in]} (the identity without act-order)
     * @param loss   {@code Σ (w - q)² / d² / 2} over all weights, the loss GPTQ logs (float64 sum of float32 terms)
     */
    public record Result(GptqMatrix matrix, int[] perm, double loss) {
        public Result {
            perm = perm.clone();
            if (perm.length != matrix.shape()[1]) {
                throw new IllegalArgumentException("a permutation of " + perm.length + " for " + matrix.shape()[1]
                        + " columns");
            }
        }

        @Override
        public int[] perm() {
            return perm.clone();
        }
    }

    /**
     * Quantizes {@code w} with the Hessian {@code h}.
     *
     * @param w     {@code [rows, cols]} row-major; not modified
     * @param h     {@code [cols, cols]} symmetric; not modified
     * @param bits  2, 3, 4 or 8
     * @param group group size along the input, or -1 for one group per row (also when {@code o.perChannel()})
     * @throws ArithmeticException if the damped Hessian or its inverse is not positive definite
     */
    public static Result fasterquant(float[] w, int rows, int cols, float[] h, int bits, int group, GptqOptions o) {
        if (!BITS.contains(bits)) {
            throw new IllegalArgumentException("GPTQ supports " + BITS + " bits, not " + bits);
        }
        if (rows <= 0 || cols <= 0 || (long) rows * cols != w.length || (long) cols * cols != h.length) {
            throw new IllegalArgumentException("weight of " + w.length + " values is not [" + rows + ", " + cols
                    + "] or Hessian of " + h.length + " values is not [" + cols + ", " + cols + "]");
        }
        int g = o.perChannel() ? -1 : group;
        if (g != -1 && g <= 0) {
            throw new IllegalArgumentException("group size must be positive or -1, not " + group);
        }
        int maxq = (1 << bits) - 1;
        float[] wk = w.clone();                                  // [rows, cols] working copy W
        float[] hk = h.clone();                                  // [cols, cols] working copy H
        // stage 1: the whole-row parameters, before the dead-column fix (the g = -1 parameters)
        Params rowParams = Params.of(wk, rows, cols, 0, cols, maxq, o.sym());
        // stage 2: dead inputs: H[i, i] = 1 and W[:, i] = 0 where diag(H) == 0
        for (int i = 0; i < cols; i++) {
            if (hk[i * cols + i] == 0f) {
                hk[i * cols + i] = 1f;
                for (int r = 0; r < rows; r++) {
                    wk[r * cols + i] = 0f;
                }
            }
        }
        // stage 3: static groups from the fixed weight, in original column order
        Params[] staticParams = null;
        if (g != -1 && o.staticGroups()) {
            staticParams = new Params[(cols + g - 1) / g];
            for (int k = 0; k < staticParams.length; k++) {
                staticParams[k] = Params.of(wk, rows, cols, k * g, Math.min(cols, k * g + g), maxq, o.sym());
            }
        }
        // stage 4: act-order: columns by decreasing diag(H) (ties in index order), W and H permuted
        int[] perm = IntStream.range(0, cols).toArray();         // [cols] processing position -> original column
        if (o.descAct()) {
            float[] diag = new float[cols];
            for (int i = 0; i < cols; i++) {
                diag[i] = hk[i * cols + i];
            }
            perm = IntStream.range(0, cols).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> diag[i]).reversed())
                    .mapToInt(Integer::intValue).toArray();
            wk = permuteColumns(wk, rows, cols, perm);
            hk = permuteSymmetric(hk, cols, perm);
        }
        // stage 5: damping by percdamp * mean(diag(H)), then U with (L Lᵀ)⁻¹ = Uᵀ U
        double diagSum = 0;
        for (int i = 0; i < cols; i++) {
            diagSum += hk[i * cols + i];
        }
        float damp = (float) o.dampPercent() * (float) (diagSum / cols);
        for (int i = 0; i < cols; i++) {
            hk[i * cols + i] += damp;
        }
        float[] u = HessianInverse.upperFactorOfInverse(hk, cols);   // [cols, cols] upper triangular
        // stage 6: column by column in blocks, with error feedback inside the block and lazily after it
        byte[] codes = new byte[rows * cols];                    // [rows, cols] in processing order
        int groups = g == -1 ? 1 : (cols + g - 1) / g;
        float[] scales = new float[rows * groups];               // [rows, groups]
        float[] zeros = new float[rows * groups];                // [rows, groups]
        Params current = rowParams;
        double loss = 0;
        for (int i1 = 0; i1 < cols; i1 += o.blockSize()) {
            int i2 = Math.min(cols, i1 + o.blockSize());
            int count = i2 - i1;
            float[] w1 = new float[rows * count];                // [rows, count] W1 = W[:, i1:i2]
            float[] err = new float[rows * count];               // [rows, count] E
            for (int r = 0; r < rows; r++) {
                System.arraycopy(wk, r * cols + i1, w1, r * count, count);
            }
            for (int i = 0; i < count; i++) {
                int j = i1 + i;
                // group parameters: from the global W (not W1) at a group start, or the kept static ones
                if (g != -1) {
                    if (staticParams != null) {
                        current = staticParams[perm[j] / g];
                    } else if (j % g == 0) {
                        current = Params.of(wk, rows, cols, j, Math.min(cols, j + g), maxq, o.sym());
                        current.storeInto(scales, zeros, groups, j / g);
                    }
                }
                // quantize column i of W1, its scaled error, and the in-block feedback W1[:, i:] -= e ⊗ U[j, j:i2]
                float d = u[j * cols + j];
                for (int r = 0; r < rows; r++) {
                    float wv = w1[r * count + i];
                    float s = current.scale[r];
                    float z = current.zero[r];
                    float q = Math.min(Math.max((float) Math.rint(wv / s) + z, 0f), maxq);
                    codes[r * cols + j] = (byte) (int) q;
                    float diff = wv - s * (q - z);
                    loss += (double) (diff * diff / (d * d)) / 2;
                    float e = diff / d;
                    err[r * count + i] = e;
                    int at = r * count;
                    int ur = j * cols + i1;
                    for (int k = i; k < count; k++) {
                        w1[at + k] -= e * u[ur + k];
                    }
                }
            }
            // lazy batch update of the columns after the block: W[:, i2:] -= E · U[i1:i2, i2:]
            if (i2 < cols) {
                HessianInverse.subtractProduct(err, 0, count, u, i1 * cols + i2, cols, wk, i2, cols, rows, cols - i2,
                        0, count, -1);
            }
        }
        // stage 7: the returned parameters, g_idx, and the codes back in original column order
        if (g == -1) {
            rowParams.storeInto(scales, zeros, 1, 0);
        } else if (staticParams != null) {
            for (int k = 0; k < groups; k++) {
                staticParams[k].storeInto(scales, zeros, groups, k);
            }
        }
        int gs = g == -1 ? cols : g;
        int[] gIdx = new int[cols];                              // [cols] group of each original column
        byte[] ordered = o.descAct() ? new byte[rows * cols] : codes;
        for (int p = 0; p < cols; p++) {
            int c = perm[p];
            gIdx[c] = staticParams != null ? c / gs : p / gs;
            if (o.descAct()) {
                for (int r = 0; r < rows; r++) {
                    ordered[r * cols + c] = codes[r * cols + p];
                }
            }
        }
        GptqMatrix m = new GptqMatrix(new int[] {rows, cols}, bits, g, o.sym(), ordered, scales, zeros, gIdx);
        return new Result(m, perm, loss);
    }

    /**
     * The quantizer's parameters of one column slice ({@code find_params}, §2.2), per row.
     *
     * @param scale {@code [rows]}
     * @param zero  {@code [rows]}
     */
    private record Params(float[] scale, float[] zero) {
        static Params of(float[] w, int rows, int cols, int from, int to, int maxq, boolean sym) {
            float[] scale = new float[rows];
            float[] zero = new float[rows];
            for (int r = 0; r < rows; r++) {
                // the range, always containing 0
                float xmin = 0f;
                float xmax = 0f;
                for (int c = from; c < to; c++) {
                    float v = w[r * cols + c];
                    xmin = Math.min(xmin, v);
                    xmax = Math.max(xmax, v);
                }
                // symmetric: xmin = -xmax only when xmin < 0; an all-zero slice becomes [-1, 1]
                if (sym) {
                    xmax = Math.max(Math.abs(xmin), xmax);
                    if (xmin < 0) {
                        xmin = -xmax;
                    }
                }
                if (xmin == 0f && xmax == 0f) {
                    xmin = -1f;
                    xmax = 1f;
                }
                scale[r] = (xmax - xmin) / maxq;
                zero[r] = sym ? (maxq + 1) / 2f : (float) Math.rint(-xmin / scale[r]);
            }
            return new Params(scale, zero);
        }

        void storeInto(float[] scales, float[] zeros, int groups, int k) {
            for (int r = 0; r < scale.length; r++) {
                scales[r * groups + k] = scale[r];
                zeros[r * groups + k] = zero[r];
            }
        }
    }

    private static float[] permuteColumns(float[] w, int rows, int cols, int[] perm) {
        float[] out = new float[w.length];                       // [rows, cols]
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < cols; p++) {
                out[r * cols + p] = w[r * cols + perm[p]];
            }
        }
        return out;
    }

    private static float[] permuteSymmetric(float[] h, int n, int[] perm) {
        float[] out = new float[h.length];                       // [n, n] H[perm][:, perm]
        for (int i = 0; i < n; i++) {
            int src = perm[i] * n;
            for (int j = 0; j < n; j++) {
                out[i * n + j] = h[src + perm[j]];
            }
        }
        return out;
    }
}
