package org.lmqt.quant.gptq;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 dense linear algebra of GPTQ (calib-methods-spec §2.3 step 6), on row-major {@code [n, n]} arrays:
 * the lower Cholesky factor of the damped Hessian, {@code cholesky_inverse} ({@code (L Lᵀ)⁻¹} as {@code L⁻ᵀ L⁻¹}),
 * and the upper Cholesky factor {@code U} of that inverse ({@code Hinv = Uᵀ U}), in the reference's three steps
 * rather than a shortcut, so the rounding stays close to LAPACK's.
 *
 * <p>Every product of more than one term goes through {@link #subtractProduct}: each result element is the float32
 * sum of its terms in ascending {@code k} order with fused multiply-adds (as BLAS microkernels accumulate), formed
 * before it is subtracted. Its kernel keeps a block of 4 rows x 3 vectors of sums in registers over the whole
 * {@code k} range (as a BLAS microkernel does: 12 fused multiply-adds per 3 loads of {@code B}), with narrower
 * blocks and L1 tiles at the edges; every lane does the same fused multiply-adds as the scalar tail, so the result
 * does not depend on the vector width or on the blocking.
 */
final class HessianInverse {
    private static final VectorSpecies<Float> LANES = FloatVector.SPECIES_PREFERRED;
    /** Columns of the diagonal panel in the blocked Cholesky and rows per block of the triangular routines. */
    private static final int PANEL = 64;
    /** Rows that share one tile of the right operand in {@link #subtractProduct}. */
    private static final int ROWS = 8;
    /** Columns of one tile of the right operand (an accumulator row is 1 KiB). */
    private static final int TILE = 256;
    /** Rows of C in one register block of {@link #subtractProduct}. */
    private static final int BLOCK_ROWS = 4;
    /** Vectors per row of C in one register block (4 x 3 accumulators of the 16-32 vector registers). */
    private static final int BLOCK_VECTORS = 3;
    /** Rows of C from which {@link #subtractProduct} copies each column panel of B to contiguous memory. */
    private static final int PACK_ROWS = 16;

    private HessianInverse() {}

    /**
     * The upper factor {@code U} of {@code (L Lᵀ)⁻¹ = Uᵀ U} where {@code L} is the lower Cholesky factor of {@code h}.
     *
     * @param h the damped Hessian {@code [n, n]} (symmetric; only the lower triangle is read); overwritten
     * @return {@code U} {@code [n, n]} row-major, zeros below the diagonal
     * @throws ArithmeticException if {@code h} or the inverse is not positive definite (NaN or Inf included)
     */
    static float[] upperFactorOfInverse(float[] h, int n) {
        // stage 1: L = cholesky(H), in place
        lowerCholesky(h, n, "the damped Hessian");
        // stage 2: X = L⁻¹ (lower triangular)
        float[] x = inverseOfLower(h, n);
        // stage 3: Hinv = Xᵀ X = (L Lᵀ)⁻¹, lower triangle, into h's storage
        gramOfLower(x, n, h);
        // stage 4: Hinv = L2 L2ᵀ with L2 lower, so U = L2ᵀ
        lowerCholesky(h, n, "the inverse Hessian");
        float[] u = x;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                u[i * n + j] = j >= i ? h[j * n + i] : 0f;
            }
        }
        return u;
    }

    /**
     * In-place lower Cholesky factorization {@code A = L Lᵀ} (right-looking, blocked by {@link #PANEL} columns); the
     * strict upper triangle is zeroed at the end.
     *
     * @param a {@code [n, n]} row-major; the lower triangle is read, {@code L} is written
     */
    static void lowerCholesky(float[] a, int n, String what) {
        float[] col = new float[PANEL];                          // [PANEL] one panel column above the diagonal rows
        float[] panelT = new float[PANEL * n];                   // [PANEL, n] the factored panel, transposed
        for (int k0 = 0; k0 < n; k0 += PANEL) {
            int k1 = Math.min(n, k0 + PANEL);
            // panel: unblocked right-looking factorization of columns [k0, k1) for all rows below k0
            for (int k = k0; k < k1; k++) {
                float pivot = a[k * n + k];
                if (!(pivot > 0f) || pivot == Float.POSITIVE_INFINITY) {
                    throw new ArithmeticException(what + " is not positive definite (pivot " + pivot + " at column "
                            + k + " of " + n + "); NaN or Inf in the calibration inputs?");
                }
                float d = (float) Math.sqrt(pivot);
                a[k * n + k] = d;
                for (int i = k + 1; i < n; i++) {
                    a[i * n + k] /= d;
                }
                int w = k1 - k - 1;
                for (int j = 0; j < w; j++) {
                    col[j] = a[(k + 1 + j) * n + k];
                }
                for (int i = k + 1; i < n; i++) {
                    float l = a[i * n + k];
                    int end = Math.min(i - k, w);
                    int base = i * n + k + 1;
                    for (int j = 0; j < end; j++) {
                        a[base + j] -= l * col[j];
                    }
                }
            }
            if (k1 == n) {
                break;
            }
            // trailing update: A[i, j] -= Σ_k L[i, k] L[j, k] over the panel, for k1 <= j <= i
            int depth = k1 - k0;
            for (int k = 0; k < depth; k++) {
                for (int j = k1; j < n; j++) {
                    panelT[k * n + j] = a[j * n + k0 + k];
                }
            }
            // in blocks of PANEL rows; the columns past a row's diagonal land in the strict upper triangle, which
            // nothing reads and which is zeroed at the end
            for (int r0 = k1; r0 < n; r0 += PANEL) {
                int rows = Math.min(PANEL, n - r0);
                subtractProduct(a, r0 * n + k0, n, panelT, k1, n, a, r0 * n + k1, n, rows, r0 + rows - k1, 0, depth,
                        -1);
            }
        }
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(a, i * n + i + 1, i * n + n, 0f);
        }
    }

    /**
     * The inverse of a lower triangular matrix by blocked forward substitution, row by row:
     * {@code X[i, :] = (e_i - Σ_{k<i} L[i, k] X[k, :]) / L[i, i]}.
     *
     * @param l lower triangular {@code [n, n]} with a positive diagonal
     * @return {@code X = L⁻¹} {@code [n, n]}, lower triangular
     */
    static float[] inverseOfLower(float[] l, int n) {
        float[] x = new float[n * n];                            // [n, n]
        for (int i0 = 0; i0 < n; i0 += PANEL) {
            int i1 = Math.min(n, i0 + PANEL);
            // rows [i0, i1), columns [0, i0): the rows of X above the block, X lower so terms k < column vanish
            if (i0 > 0) {
                subtractProduct(l, i0 * n, n, x, 0, n, x, i0 * n, n, i1 - i0, i0, 0, i0, 0);
            }
            // within the block: the remaining terms k in [i0, i), then the division by the diagonal
            for (int i = i0; i < i1; i++) {
                int row = i * n;
                for (int k = i0; k < i; k++) {
                    float lik = l[row + k];
                    int src = k * n;
                    for (int j = 0; j <= k; j++) {
                        x[row + j] -= lik * x[src + j];
                    }
                }
                float d = l[row + i];
                for (int j = 0; j < i; j++) {
                    x[row + j] /= d;
                }
                x[row + i] = 1f / d;
            }
        }
        return x;
    }

    /**
     * {@code G = Xᵀ X} for lower triangular {@code X}: {@code G[i, j] = Σ_{k >= i} X[k, i] X[k, j]} for
     * {@code j <= i} (lower triangle written; the strict upper triangle of {@code out} is left undefined).
     *
     * @param x   lower triangular {@code [n, n]}
     * @param out {@code [n, n]}
     */
    static void gramOfLower(float[] x, int n, float[] out) {
        float[] xt = new float[n * n];                           // [n, n] Xᵀ, upper triangular
        for (int k = 0; k < n; k++) {
            for (int i = 0; i <= k; i++) {
                xt[i * n + k] = x[k * n + i];
            }
        }
        java.util.Arrays.fill(out, 0f);
        for (int r0 = 0; r0 < n; r0 += PANEL) {
            int rows = Math.min(PANEL, n - r0);
            // terms k < r0 vanish for every row of the block (Xᵀ[i, k] = 0 for k < i; the block's own leading terms
            // are exact zeros, which leave a sum unchanged); G = 0 - Σ, negated after; the block's columns past a
            // row's diagonal land in the undefined upper triangle
            subtractProduct(xt, r0 * n, n, x, 0, n, out, r0 * n, n, rows, r0 + rows, r0, n, 0);
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                out[i * n + j] = -out[i * n + j];
            }
        }
    }

    /**
     * {@code C[r, c] -= Σ_{k0 <= k < k1} A[r, k] B[k, c]} for {@code r < m}, {@code c < width}, each sum formed in
     * float32 in ascending {@code k} with fused multiply-adds before it is subtracted.
     *
     * @param lowerShift if {@code >= 0}, {@code B} is lower triangular with {@code B[k, c] = 0} for
     *                   {@code c + lowerShift > k}: for a tile starting at column {@code c0} the sum starts at
     *                   {@code max(k0, c0 + lowerShift)} (leading exact zeros skipped; the float result is the same)
     */
    static void subtractProduct(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff,
                                int ldc, int m, int width, int k0, int k1, int lowerShift) {
        int blockWidth = BLOCK_VECTORS * LANES.length();
        int fullWidth = width - width % blockWidth;
        int r0 = m - m % BLOCK_ROWS;
        // B's column panel copied to contiguous memory when enough row blocks reuse it (its rows lie ldb apart)
        float[] packed = r0 >= PACK_ROWS ? new float[Math.max(0, k1 - k0) * blockWidth] : null;
        // register blocks: BLOCK_ROWS rows x BLOCK_VECTORS vectors of C, their sums held in registers over all k
        for (int c0 = 0; c0 < fullWidth; c0 += blockWidth) {
            int kFrom = lowerShift >= 0 ? Math.max(k0, c0 + lowerShift) : k0;
            float[] panel = b;
            int panelOff = bOff + c0;
            int panelLd = ldb;
            if (packed != null && kFrom < k1) {
                for (int k = kFrom; k < k1; k++) {
                    System.arraycopy(b, bOff + k * ldb + c0, packed, (k - kFrom) * blockWidth, blockWidth);
                }
                panel = packed;
                panelOff = -kFrom * blockWidth;                  // row k of the panel at (k - kFrom) * blockWidth
                panelLd = blockWidth;
            }
            for (int r = 0; r < r0; r += BLOCK_ROWS) {
                registerBlock(a, aOff + r * lda, lda, panel, panelOff, panelLd, c, cOff + r * ldc + c0, ldc, kFrom,
                        k1);
            }
        }
        // the edges: the last columns of the blocked rows (one vector wide, then lane by lane), then the last rows
        int vectorWidth = width - width % LANES.length();
        for (int r = 0; r + BLOCK_ROWS <= r0; r += BLOCK_ROWS) {
            for (int c0 = fullWidth; c0 < vectorWidth; c0 += LANES.length()) {
                int kFrom = lowerShift >= 0 ? Math.max(k0, c0 + lowerShift) : k0;
                narrowBlock(a, aOff + r * lda, lda, b, bOff + c0, ldb, c, cOff + r * ldc + c0, ldc, kFrom, k1);
            }
        }
        if (vectorWidth < width) {
            tiled(a, aOff, lda, b, bOff, ldb, c, cOff, ldc, 0, r0, vectorWidth, width, k0, k1, lowerShift);
        }
        if (r0 < m) {
            tiled(a, aOff, lda, b, bOff, ldb, c, cOff, ldc, r0, m, 0, width, k0, k1, lowerShift);
        }
    }

    /**
     * {@code C[r0 + r, c0 + j] -= Σ_k A[r, k] B[k, j]} for a {@link #BLOCK_ROWS} x ({@link #BLOCK_VECTORS} vectors)
     * block, every sum a chain of fused multiply-adds in ascending {@code k} from zero, as {@link #fmaRow} forms it.
     * Offsets point at the block's first element of {@code A}, {@code B} and {@code C}.
     */
    private static void registerBlock(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c,
                                      int cOff, int ldc, int kFrom, int k1) {
        int n = LANES.length();
        FloatVector zero = FloatVector.zero(LANES);
        FloatVector s00 = zero, s01 = zero, s02 = zero;
        FloatVector s10 = zero, s11 = zero, s12 = zero;
        FloatVector s20 = zero, s21 = zero, s22 = zero;
        FloatVector s30 = zero, s31 = zero, s32 = zero;
        int a0 = aOff;
        int a1 = aOff + lda;
        int a2 = aOff + 2 * lda;
        int a3 = aOff + 3 * lda;
        for (int k = kFrom; k < k1; k++) {
            int bk = bOff + k * ldb;
            FloatVector b0 = FloatVector.fromArray(LANES, b, bk);
            FloatVector b1 = FloatVector.fromArray(LANES, b, bk + n);
            FloatVector b2 = FloatVector.fromArray(LANES, b, bk + 2 * n);
            FloatVector x = FloatVector.broadcast(LANES, a[a0 + k]);
            s00 = b0.fma(x, s00);
            s01 = b1.fma(x, s01);
            s02 = b2.fma(x, s02);
            x = FloatVector.broadcast(LANES, a[a1 + k]);
            s10 = b0.fma(x, s10);
            s11 = b1.fma(x, s11);
            s12 = b2.fma(x, s12);
            x = FloatVector.broadcast(LANES, a[a2 + k]);
            s20 = b0.fma(x, s20);
            s21 = b1.fma(x, s21);
            s22 = b2.fma(x, s22);
            x = FloatVector.broadcast(LANES, a[a3 + k]);
            s30 = b0.fma(x, s30);
            s31 = b1.fma(x, s31);
            s32 = b2.fma(x, s32);
        }
        subtractRow(c, cOff, n, s00, s01, s02);
        subtractRow(c, cOff + ldc, n, s10, s11, s12);
        subtractRow(c, cOff + 2 * ldc, n, s20, s21, s22);
        subtractRow(c, cOff + 3 * ldc, n, s30, s31, s32);
    }

    /** {@link #registerBlock} one vector wide. */
    private static void narrowBlock(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff,
                                    int ldc, int kFrom, int k1) {
        FloatVector s0 = FloatVector.zero(LANES);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        for (int k = kFrom; k < k1; k++) {
            FloatVector b0 = FloatVector.fromArray(LANES, b, bOff + k * ldb);
            s0 = b0.fma(FloatVector.broadcast(LANES, a[aOff + k]), s0);
            s1 = b0.fma(FloatVector.broadcast(LANES, a[aOff + lda + k]), s1);
            s2 = b0.fma(FloatVector.broadcast(LANES, a[aOff + 2 * lda + k]), s2);
            s3 = b0.fma(FloatVector.broadcast(LANES, a[aOff + 3 * lda + k]), s3);
        }
        FloatVector.fromArray(LANES, c, cOff).sub(s0).intoArray(c, cOff);
        FloatVector.fromArray(LANES, c, cOff + ldc).sub(s1).intoArray(c, cOff + ldc);
        FloatVector.fromArray(LANES, c, cOff + 2 * ldc).sub(s2).intoArray(c, cOff + 2 * ldc);
        FloatVector.fromArray(LANES, c, cOff + 3 * ldc).sub(s3).intoArray(c, cOff + 3 * ldc);
    }

    private static void subtractRow(float[] c, int at, int n, FloatVector v0, FloatVector v1, FloatVector v2) {
        FloatVector.fromArray(LANES, c, at).sub(v0).intoArray(c, at);
        FloatVector.fromArray(LANES, c, at + n).sub(v1).intoArray(c, at + n);
        FloatVector.fromArray(LANES, c, at + 2 * n).sub(v2).intoArray(c, at + 2 * n);
    }

    /**
     * The same sums for rows {@code [rowFrom, rowTo)} and columns {@code [colFrom, colTo)}, accumulated in L1-sized
     * tiles of {@link #ROWS} x {@link #TILE} (the edges {@link #registerBlock} does not cover).
     */
    private static void tiled(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff,
                              int ldc, int rowFrom, int rowTo, int colFrom, int colTo, int k0, int k1,
                              int lowerShift) {
        float[] acc = new float[ROWS * TILE];                    // [ROWS, TILE] one accumulator row per row of C
        for (int r0 = rowFrom; r0 < rowTo; r0 += ROWS) {
            int rows = Math.min(ROWS, rowTo - r0);
            for (int c0 = colFrom; c0 < colTo; c0 += TILE) {
                int len = Math.min(TILE, colTo - c0);
                java.util.Arrays.fill(acc, 0, rows * TILE, 0f);
                int kFrom = lowerShift >= 0 ? Math.max(k0, c0 + lowerShift) : k0;
                for (int k = kFrom; k < k1; k++) {
                    int bRow = bOff + k * ldb + c0;
                    for (int r = 0; r < rows; r++) {
                        fmaRow(a[aOff + (r0 + r) * lda + k], b, bRow, acc, r * TILE, len);
                    }
                }
                for (int r = 0; r < rows; r++) {
                    int dst = cOff + (r0 + r) * ldc + c0;
                    for (int j = 0; j < len; j++) {
                        c[dst + j] -= acc[r * TILE + j];
                    }
                }
            }
        }
    }

    /**
     * {@code acc[at + j] = fma(s, b[from + j], acc[at + j])} for {@code j < len}, in vector lanes (each lane the same
     * fused multiply-add as the scalar tail, so the result does not depend on the vector width).
     */
    private static void fmaRow(float s, float[] b, int from, float[] acc, int at, int len) {
        FloatVector sv = FloatVector.broadcast(LANES, s);
        int j = 0;
        for (int end = LANES.loopBound(len); j < end; j += LANES.length()) {
            FloatVector.fromArray(LANES, b, from + j).fma(sv, FloatVector.fromArray(LANES, acc, at + j))
                    .intoArray(acc, at + j);
        }
        for (; j < len; j++) {
            acc[at + j] = Math.fma(s, b[from + j], acc[at + j]);
        }
    }
}
