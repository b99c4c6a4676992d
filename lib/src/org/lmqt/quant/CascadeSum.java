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
        int vectors = x.length / lanes;
        int rows = vectors / 4;                         // rows of four vectors for the four accumulators
        float[][] acc = cascadeRows(x, lanes, rows);    // [4][lanes]
        // leftover whole vectors into the first accumulator, then the accumulators together
        for (int v = rows * 4; v < vectors; v++) {
            for (int l = 0; l < lanes; l++) {
                acc[0][l] += x[v * lanes + l];
            }
        }
        for (int k = 1; k < 4; k++) {
            for (int l = 0; l < lanes; l++) {
                acc[0][l] += acc[k][l];
            }
        }
        // the scalar tail, then the lanes in order
        float total = 0f;
        for (int i = vectors * lanes; i < x.length; i++) {
            total += x[i];
        }
        for (int l = 0; l < lanes; l++) {
            total += acc[0][l];
        }
        return total;
    }

    /**
     * PyTorch's {@code multi_row_sum} over {@code rows} rows of four vectors (accumulator {@code k} takes vector
     * {@code 4r + k} of row {@code r}), with its four cascade levels.
     */
    private static float[][] cascadeRows(float[] x, int lanes, int rows) {
        int power = levelPower(rows);
        int step = 1 << power;
        int mask = step - 1;
        float[][][] acc = new float[LEVELS][4][lanes];  // [level][accumulator][lane]
        int i = 0;
        for (; i + step <= rows; ) {
            // one chunk of rows into level 0
            for (int j = 0; j < step; j++, i++) {
                addRow(x, lanes, i, acc[0]);
            }
            // carry the chunk up the levels as far as the row count is a multiple of their spans
            for (int level = 1; level < LEVELS; level++) {
                for (int k = 0; k < 4; k++) {
                    for (int l = 0; l < lanes; l++) {
                        acc[level][k][l] += acc[level - 1][k][l];
                        acc[level - 1][k][l] = 0f;
                    }
                }
                if ((i & ((long) mask << (level * power))) != 0) {
                    break;
                }
            }
        }
        for (; i < rows; i++) {
            addRow(x, lanes, i, acc[0]);
        }
        for (int level = 1; level < LEVELS; level++) {
            for (int k = 0; k < 4; k++) {
                for (int l = 0; l < lanes; l++) {
                    acc[0][k][l] += acc[level][k][l];
                }
            }
        }
        return acc[0];
    }

    private static void addRow(float[] x, int lanes, int row, float[][] acc) {
        for (int k = 0; k < 4; k++) {
            int base = (row * 4 + k) * lanes;
            for (int l = 0; l < lanes; l++) {
                acc[k][l] += x[base + l];
            }
        }
    }
}
