package org.lmqt.quant;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * The weight quantizer of the MXQ fork of HQQ ({@code Quantizer.quantize} with {@code axis=0}), in float32 as the
 * fork runs it on CPU: min-max scale per group of the strided axis-0 grouping, inverse scale clamped at 2e4, codes
 * rounded half to even, and optionally the half-quadratic proximal optimisation of the zero point
 * ({@code optimize_weights_proximal_legacy}: lp 0.7, beta 10, kappa 1.01, 20 iterations, stop at the first
 * iteration that does not improve the mean absolute error, keeping that iteration's zero). See lmqt-spec §4.1.
 * <p>
 * Differences from the original, on purpose: the original optimises in fp16 on CUDA; this is the fork's CPU (float32)
 * path, which the golden fixtures were computed with. Work is split over column blocks, so results do not depend on
 * the number of threads.
 */
public final class Hqq implements WeightQuantizer {
    /** Inverse scales are clamped to at most this (a constant group gets exactly this). */
    static final float MAX_INV_SCALE = 2e4f;

    /** Parameters of the proximal optimiser; {@link #DEFAULT} are the fork's. */
    public record Proximal(float lpNorm, double beta, double kappa, int iterations) {
        public static final Proximal DEFAULT = new Proximal(0.7f, 10.0, 1.01, 20);

        public Proximal {
            if (!(lpNorm > 0 && lpNorm <= 1) || beta <= 0 || kappa <= 0 || iterations < 0) {
                throw new IllegalArgumentException("invalid proximal parameters: lp " + lpNorm + ", beta " + beta
                        + ", kappa " + kappa + ", iterations " + iterations);
            }
        }
    }

    /**
     * How to quantize one tensor.
     *
     * @param bits      code width (1-8)
     * @param group     weights per group
     * @param optimize  run the proximal optimiser (HQQ) instead of plain min-max rounding (RTN)
     * @param roundZero round the initial zero point to an integer (the fork does it for 4-bit deployment)
     * @param proximal  optimiser parameters
     */
    public record Spec(int bits, int group, boolean optimize, boolean roundZero, Proximal proximal) {
        public Spec {
            if (bits < 1 || bits > 8 || group < 1) {
                throw new IllegalArgumentException("invalid quantization: " + bits + " bits, group " + group);
            }
        }

        /** HQQ as the FNorm tool calls it: optimised, zero not rounded. */
        public static Spec hqq(int bits, int group) {
            return new Spec(bits, group, true, false, Proximal.DEFAULT);
        }

        /** Plain min-max round-to-nearest. */
        public static Spec rtn(int bits, int group) {
            return new Spec(bits, group, false, false, Proximal.DEFAULT);
        }

        /** The same spec with {@code round_zero} set. */
        public Spec withRoundZero(boolean round) {
            return new Spec(bits, group, optimize, round, proximal);
        }
    }

    /** Columns per parallel task: large enough to amortise scheduling, small enough to balance two to 64 cores. */
    private static final int BLOCK = 1024;

    private final ForkJoinPool pool;

    /** A quantizer that splits large tensors over {@code pool} (use a pool of parallelism 1 for one thread). */
    public Hqq(ForkJoinPool pool) {
        this.pool = pool;
    }

    /** A quantizer on the common pool. */
    public static Hqq parallel() {
        return new Hqq(ForkJoinPool.commonPool());
    }

    /** Quantizes {@code w} (row-major, {@code shape}) with the single-threaded path. */
    public static QuantizedTensor quantize(float[] w, int[] shape, Spec spec) {
        return new Hqq(null).apply(w, shape, spec);
    }

    /** Quantizes {@code w} (row-major, {@code shape}). */
    @Override
    public QuantizedTensor apply(float[] w, int[] shape, Spec spec) {
        if (w.length % spec.group() != 0) {
            throw new IllegalArgumentException("tensor of " + w.length + " elements is not divisible into groups of "
                    + spec.group() + " (shape " + Arrays.toString(shape) + ")");
        }
        // a few convenience variables: the grouped view is [g, M]
        final int g = spec.group();
        final int m = w.length / g;
        final float qmax = (1 << spec.bits()) - 1;
        float[] invScale = new float[m];   // [M] HQQ's scale s = qmax / (max - min), clamped
        float[] zero = new float[m];       // [M] zero point z = -min * s
        byte[] codes = new byte[w.length]; // [g, M]

        // min-max scale and zero per group (column of the grouped view)
        forColumns(m, (lo, hi) -> minMaxInit(w, g, m, lo, hi, qmax, spec.roundZero(), invScale, zero));

        // optional proximal optimisation of the zero point
        if (spec.optimize()) {
            optimizeZero(w, g, m, qmax, invScale, zero, spec.proximal());
        }

        // final codes with the (possibly optimised) zero
        forColumns(m, (lo, hi) -> {
            for (int i = 0; i < g; i++) {
                int row = i * m;
                for (int j = lo; j < hi; j++) {
                    codes[row + j] = (byte) quantizeOne(w[row + j], invScale[j], zero[j], qmax);
                }
            }
        });

        // the stored scale is the step size, the inverse of s (float32 division, as the fork)
        float[] step = new float[m];   // [M]
        for (int j = 0; j < m; j++) {
            step[j] = 1.0f / invScale[j];
        }
        return new QuantizedTensor(shape.clone(), spec.bits(), g, codes, step, zero);
    }

    /** {@code clamp(rint(w * s + z), 0, qmax)} in float32. */
    static int quantizeOne(float w, float s, float z, float qmax) {
        float x = w * s + z;
        return (int) Math.rint(Math.min(Math.max(x, 0f), qmax));   // clamp then rint == rint then clamp
    }

    private static void minMaxInit(float[] w, int g, int m, int lo, int hi, float qmax, boolean roundZero,
                                   float[] invScale, float[] zero) {
        float[] min = new float[hi - lo];   // [block]
        float[] max = new float[hi - lo];   // [block]
        Arrays.fill(min, Float.POSITIVE_INFINITY);
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < g; i++) {
            int row = i * m;
            for (int j = lo; j < hi; j++) {
                float v = w[row + j];
                min[j - lo] = Math.min(min[j - lo], v);
                max[j - lo] = Math.max(max[j - lo], v);
            }
        }
        for (int j = lo; j < hi; j++) {
            // the fork writes qmax / (max - min) with a Python float numerator, which PyTorch evaluates as
            // reciprocal(max - min) * qmax: two float32 roundings, kept here bit for bit (1/0 = inf -> 2e4)
            float s = Math.min((1f / (max[j - lo] - min[j - lo])) * qmax, MAX_INV_SCALE);
            float z = -min[j - lo] * s;
            invScale[j] = s;
            zero[j] = roundZero ? (float) Math.rint(z) : z;
        }
    }

    /**
     * The proximal loop. Each iteration, per element: codes with the current zero, the reconstruction error,
     * its generalised soft threshold, and the zero that best explains the codes given the shrunk error; the mean
     * absolute reconstruction error (before the zero update) decides when to stop.
     * <p>The fork compares float32 means that PyTorch sums in its own order. A double sum decides whenever it is
     * clearly above or below the best so far ({@link #closeCall}, beyond any float32 summation error); in a close
     * call both means are recomputed exactly in PyTorch's order ({@link CascadeSum}) from the zeros they were
     * measured with.
     */
    private void optimizeZero(float[] w, int g, int m, float qmax, float[] s, float[] z, Proximal p) {
        double beta = p.beta();
        double bestFast = 1e4;
        float bestExact = Float.NaN;      // the best iteration's exact mean, when known
        float[] zUsed = new float[m];     // [M] the zero this iteration's error is measured with
        float[] zBest = null;             // [M] the zero the best iteration's error was measured with
        float[] zNext = new float[m];     // [M]
        CascadeSum.AbsSum absSum = null;  // |w - w_r| in PyTorch's order, while close calls are expected
        double close = closeCall(w.length, g);
        double lastGap = Double.POSITIVE_INFINITY;
        for (int it = 0; it < p.iterations(); it++) {
            final float invBeta = (float) (1.0 / beta);
            // |d| - invBeta * |d|^(lp-1) > 0 only above this threshold; below it the shrink is exactly 0
            final double threshold = Math.pow(invBeta, 1.0 / (2.0 - p.lpNorm())) * (1 - 1e-4);
            final float exponent = p.lpNorm() - 1f;
            System.arraycopy(z, 0, zUsed, 0, m);
            // the per-element errors are kept once the means come close (the decision may need their exact sum)
            final CascadeSum.AbsSum keep = lastGap < 8 * close ? CascadeSum.AbsSum.of(w.length, m, BLOCK) : null;
            double absErr = sumColumns(m, (lo, hi) -> proximalStep(w, g, m, lo, hi, qmax, s, z, zNext, keep,
                    invBeta, exponent, threshold, p.lpNorm() == 1f));
            System.arraycopy(zNext, 0, z, 0, m);
            beta *= p.kappa();
            double fast = absErr / w.length;
            float exact = keep == null ? Float.NaN : keep.total() / w.length;
            lastGap = zBest == null ? Double.POSITIVE_INFINITY : Math.abs(fast - bestFast) / bestFast;
            boolean improves;
            if (lastGap > close) {
                improves = fast < bestFast;
            } else {
                if (Float.isNaN(exact)) {
                    exact = exactMeanError(w, m, qmax, s, zUsed);
                }
                if (Float.isNaN(bestExact)) {
                    bestExact = exactMeanError(w, m, qmax, s, zBest);
                }
                improves = exact < bestExact;
            }
            if (!improves) {
                break;   // the fork keeps the zero of this non-improving iteration
            }
            bestFast = fast;
            bestExact = exact;
            zBest = zUsed.clone();
        }
    }

    /**
     * Relative gap above which our sum of the mean error (float32 per group of {@code g}, then double) surely
     * decides as PyTorch's float32 cascade sum of {@code n} values would: four times the sum of both error bounds
     * (a float32 rounding per addition on the longest chain: the group, three cascade levels of 16, the top
     * level's {@code n / 131072} sums and 64 lane and accumulator additions).
     */
    static double closeCall(long n, int g) {
        double chain = g + 3 * 16 + n / 131072.0 + 64;
        return 4 * chain * Math.ulp(1f) / 2;
    }

    /** {@code torch.abs(W - W_r).mean()} with {@code W_r = (Q - z) / s}, in PyTorch's float32 order. */
    private float exactMeanError(float[] w, int m, float qmax, float[] s, float[] z) {
        CascadeSum.AbsSum sum = CascadeSum.AbsSum.of(w.length, m, BLOCK);
        forColumns(m, (lo, hi) -> {
            int n = hi - lo;
            float[] code = new float[n];        // [block] scratch of the row kernel
            float[] dev = new float[n];         // [block] w - w_r
            float[] err = new float[n];         // [block] scratch
            float[] term = new float[n];        // [block] scratch
            for (int row = lo; row < w.length; row += m) {
                ROW_KERNEL.run(w, row, s, z, lo, n, qmax, Float.MAX_VALUE, code, dev, err, term);
                sum.add(row, dev, n);
            }
        });
        return sum.total() / w.length;
    }

    /** The SIMD row kernel when the Vector API module is present ({@code --add-modules jdk.incubator.vector}). */
    private static final ProximalRowKernel ROW_KERNEL = ProximalRowKernel.best();

    /**
     * One iteration over columns {@code [lo, hi)}: writes their next zero (and adds their |w - w_r| to
     * {@code absSum} unless it is null), returns their summed |w - w_r|.
     * Written as short branch-free loops over one row of the block so that the JIT vectorises them; the rare
     * elements whose error exceeds the shrink threshold get the exact soft threshold in a scalar fix-up loop.
     */
    private static double proximalStep(float[] w, int g, int m, int lo, int hi, float qmax, float[] s, float[] z,
                                       float[] zNext, CascadeSum.AbsSum absSum, float invBeta, float exponent,
                                       double threshold, boolean l1) {
        final int n = hi - lo;
        final float thr = (float) threshold;
        float[] acc = new float[n];    // [block] sum over the group of q - (w - e) * s, in PyTorch's order
        float[] chunk = new float[n];  // [block] the current chunk of that sum (see CascadeSum)
        float[] err = new float[n];    // [block] sum over the group of |w - w_r|
        float[] term = new float[n];   // [block] this row's q - (w - e) * s
        float[] dev = new float[n];    // [block] this row's w - w_r
        float[] code = new float[n];   // [block] this row's codes
        for (int i = 0; i < g; i++) {
            final int row = i * m + lo;
            // codes with the current zero, reconstruction error, and the update term assuming shrink(d) == 0
            boolean far = ROW_KERNEL.run(w, row, s, z, lo, n, qmax, thr, code, dev, err, term);
            // exact generalised soft threshold where it is not zero: sign(d) * max(|d| - |d|^(p-1) / beta, 0)
            if (far) {
                for (int j = 0; j < n; j++) {
                    float ad = Math.abs(dev[j]);
                    if (ad >= thr) {
                        float penalty = l1 ? invBeta : invBeta * (float) Math.pow(ad, exponent);
                        float mag = ad - penalty;
                        float e = mag > 0 ? Math.copySign(mag, dev[j]) : 0f;
                        float wv = w[row + j];
                        float sj = s[lo + j];
                        term[j] = code[j] - (wv - e) * sj;
                    }
                }
            }
            for (int j = 0; j < n; j++) {
                chunk[j] += term[j];
            }
            if (CascadeSum.endsChunk(i, g)) {
                CascadeSum.flush(chunk, acc, n);
            }
            if (absSum != null) {
                absSum.add(row, dev, n);
            }
        }
        double absErr = 0;
        for (int j = 0; j < n; j++) {
            zNext[lo + j] = acc[j] / g;
            absErr += err[j];
        }
        return absErr;
    }

    // ------------------------------------------------------------------------------------------------------------
    // column-block parallelism

    @FunctionalInterface
    private interface BlockTask {
        void run(int lo, int hi);
    }

    @FunctionalInterface
    private interface BlockSum {
        double run(int lo, int hi);
    }

    /** Runs {@code task} over column blocks and adds the results in block order (deterministic). */
    private double sumColumns(int m, BlockSum task) {
        int blocks = (m + BLOCK - 1) / BLOCK;
        double[] parts = new double[blocks];
        forColumns(m, blocks, (lo, hi) -> parts[lo / BLOCK] = task.run(lo, hi));
        double total = 0;
        for (double v : parts) {
            total += v;
        }
        return total;
    }

    /** Runs {@code task} over column blocks, on the pool when there is one. */
    private void forColumns(int m, BlockTask task) {
        forColumns(m, (m + BLOCK - 1) / BLOCK, task);
    }

    private void forColumns(int m, int blocks, BlockTask task) {
        if (pool == null || blocks == 1) {
            for (int b = 0; b < blocks; b++) {
                task.run(b * BLOCK, Math.min(m, (b + 1) * BLOCK));
            }
            return;
        }
        pool.submit(() -> IntStream.range(0, blocks).parallel()
                .forEach(b -> task.run(b * BLOCK, Math.min(m, (b + 1) * BLOCK)))).join();
    }
}
