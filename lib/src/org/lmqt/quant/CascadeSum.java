package org.lmqt.quant;

/**
 * The order in which PyTorch's CPU {@code sum} (and {@code mean}, a sum and one division) adds float32 values, so
 * that HQQ's float32 arithmetic reproduces the fork's on the CPU bit for bit (its {@code cascade_sum}):
 * <ul>
 * <li>A reduction over an outer dimension of {@code n} rows (HQQ's zero update {@code mean(..., axis=0)}) adds rows
 *     one by one into a chunk of {@code 2^max(4, ceil(log2 n) / 4)} rows that starts from zero, and adds each
 *     finished chunk (and the last partial one) to the column's total. The deeper cascade levels only start after
 *     256 chunks, far beyond any group size; {@link #endsChunk} refuses those.</li>
 * <li>A full reduction of a contiguous buffer (HQQ's mean error) runs over vectors of {@code lanes} floats: four
 *     interleaved vector accumulators with the same cascade over rows of four vectors, the leftover vectors into the
 *     first accumulator, the four accumulators added, then the scalar tail and the lanes one by one.</li>
 * </ul>
 * A buffer above PyTorch's grain size (32,768 elements) is reduced by several threads when libtorch has them,
 * in an order that depends on their number; this reproduces the one-thread order.
 */
final class CascadeSum {
    private static final int LEVELS = 4;
    private static final ProximalRowKernel KERNEL = ProximalRowKernel.best();

    private CascadeSum() {}

    /** Rows per chunk for a reduction over {@code n} rows: {@code 2^max(4, ceil(log2 n) / 4)}. */
    static int chunkRows(long n) {
        return 1 << levelPower(n);
    }

    private static int levelPower(long n) {
        int ceilLog2 = n <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(n - 1);
        return Math.max(4, ceilLog2 / LEVELS);
    }

    /** True when row {@code i} (0-based) of {@code n} is the last of a chunk, full or the final partial one. */
    static boolean endsChunk(int i, int n) {
        int step = chunkRows(n);
        if ((long) step * step < n) {
            throw new IllegalArgumentException("groups of " + n + " rows need the deeper cascade levels");
        }
        return (i + 1) % step == 0 || i == n - 1;
    }

    /** Adds each chunk value to its total and resets the chunk. */
    static void flush(float[] chunk, float[] total, int n) {
        for (int j = 0; j < n; j++) {
            total[j] += chunk[j];
            chunk[j] = 0f;
        }
    }

    /** The float32 sum of a contiguous buffer in the order of PyTorch's vectorized inner sum with {@code lanes}. */
    static float contiguous(float[] x, int lanes) {
        int width = 4 * lanes;                          // four vector accumulators side by side
        int vectors = x.length / lanes;
        int rows = vectors / 4;                         // rows of four vectors
        float[] acc = cascadeRows(x, width, rows);      // [4 * lanes]: accumulator k is lanes [k*lanes, (k+1)*lanes)
        // leftover whole vectors into the first accumulator, then the accumulators together
        for (int v = rows * 4; v < vectors; v++) {
            for (int l = 0; l < lanes; l++) {
                acc[l] += x[v * lanes + l];
            }
        }
        for (int k = 1; k < 4; k++) {
            for (int l = 0; l < lanes; l++) {
                acc[l] += acc[k * lanes + l];
            }
        }
        // the scalar tail, then the lanes in order
        float total = 0f;
        for (int i = vectors * lanes; i < x.length; i++) {
            total += x[i];
        }
        for (int l = 0; l < lanes; l++) {
            total += acc[l];
        }
        return total;
    }

    /**
     * PyTorch's {@code multi_row_sum} over {@code rows} rows of {@code width} floats (its four vector accumulators
     * side by side), with its four cascade levels: level 0 takes a chunk of rows, then is carried into level 1, and
     * level {@code k} into {@code k + 1} whenever the row count is a multiple of level {@code k + 1}'s span.
     */
    private static float[] cascadeRows(float[] x, int width, int rows) {
        int power = levelPower(rows);
        int step = 1 << power;
        int mask = step - 1;
        float[][] acc = new float[LEVELS][width];      // [level][width]
        int i = 0;
        for (; i + step <= rows; ) {
            // one chunk of rows into level 0
            KERNEL.addRows(x, i * width, step, width, acc[0], false);
            i += step;
            // carry up the levels as far as the row count is a multiple of their spans
            for (int level = 1; level < LEVELS; level++) {
                float[] up = acc[level];
                float[] down = acc[level - 1];
                for (int l = 0; l < width; l++) {
                    up[l] += down[l];
                    down[l] = 0f;
                }
                if ((i & ((long) mask << (level * power))) != 0) {
                    break;
                }
            }
        }
        KERNEL.addRows(x, i * width, rows - i, width, acc[0], false);
        for (int level = 1; level < LEVELS; level++) {
            for (int l = 0; l < width; l++) {
                acc[0][l] += acc[level][l];
            }
        }
        return acc[0];
    }

    /**
     * The sum of |w - w_r| over a {@code [g, M]} matrix in PyTorch's contiguous order, filled by row segments in
     * any order (column blocks, threads). When the cascade's chunks ({@code 32 * 2^power} consecutive values) tile
     * the rows and the column blocks, each segment adds its chunks' 32 lane sums at once (a value in 16 kept);
     * otherwise the values are kept and summed at the end.
     */
    abstract static class AbsSum {
        /** For {@code n} values in rows of {@code m}, filled in segments that start at multiples of {@code block}. */
        static AbsSum of(int n, int m, int block) {
            int width = 4 * LANES_OF_SUM;
            long chunk = (long) width << levelPower(n / width);
            boolean aligned = n % chunk == 0 && m % chunk == 0 && block % chunk == 0;
            return aligned ? new Chunked(n, (int) chunk) : new Kept(n);
        }

        /** Adds the absolute values of {@code dev[0..len)}, the values at flat indices {@code [start, start+len)}. */
        abstract void add(int start, float[] dev, int len);

        /** The float32 total. */
        abstract float total();
    }

    /** Float lanes of the vector sum {@link AbsSum} reproduces (AVX2). */
    static final int LANES_OF_SUM = 8;

    private static final class Kept extends AbsSum {
        private final float[] values;   // [n]

        Kept(int n) {
            values = new float[n];
        }

        @Override
        void add(int start, float[] dev, int len) {
            for (int j = 0; j < len; j++) {
                values[start + j] = Math.abs(dev[j]);
            }
        }

        @Override
        float total() {
            return contiguous(values, LANES_OF_SUM);
        }
    }

    private static final class Chunked extends AbsSum {
        private static final int WIDTH = 4 * LANES_OF_SUM;
        private final int chunk;          // values per chunk
        private final float[] sums;       // [chunks, WIDTH] each chunk's lane sums

        Chunked(int n, int chunk) {
            this.chunk = chunk;
            this.sums = new float[n / chunk * WIDTH];
        }

        @Override
        void add(int start, float[] dev, int len) {
            for (int c = 0; c < len; c += chunk) {
                // one chunk: its rows of WIDTH values added in order, from zero
                float[] a = new float[WIDTH];
                KERNEL.addRows(dev, c, chunk / WIDTH, WIDTH, a, true);
                System.arraycopy(a, 0, sums, (start + c) / chunk * WIDTH, WIDTH);
            }
        }

        @Override
        float total() {
            int chunks = sums.length / WIDTH;
            int power = levelPower((long) chunks * chunk / WIDTH);
            long mask = (1L << power) - 1;
            float[][] acc = new float[LEVELS][WIDTH];   // levels 1..3 used; 0 is each chunk's own sum
            for (int c = 0; c < chunks; c++) {
                long rowsDone = (long) (c + 1) * chunk / WIDTH;
                for (int l = 0; l < WIDTH; l++) {
                    acc[1][l] += sums[c * WIDTH + l];
                }
                // carry up as far as the row count is a multiple of the level's span
                for (int level = 2; level < LEVELS; level++) {
                    if ((rowsDone & (mask << ((level - 1) * power))) != 0) {
                        break;
                    }
                    for (int l = 0; l < WIDTH; l++) {
                        acc[level][l] += acc[level - 1][l];
                        acc[level - 1][l] = 0f;
                    }
                }
            }
            // levels into one accumulator, the four vector accumulators together, then the lanes in order
            float[] a = new float[WIDTH];
            for (int level = 1; level < LEVELS; level++) {
                for (int l = 0; l < WIDTH; l++) {
                    a[l] += acc[level][l];
                }
            }
            for (int k = 1; k < 4; k++) {
                for (int l = 0; l < LANES_OF_SUM; l++) {
                    a[l] += a[k * LANES_OF_SUM + l];
                }
            }
            float total = 0f;
            for (int l = 0; l < LANES_OF_SUM; l++) {
                total += a[l];
            }
            return total;
        }
    }
}
