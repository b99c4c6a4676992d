package org.lmqt.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * PyTorch's float32 sum order ({@link CascadeSum}) against a literal transcription of its vectorized inner sum
 * (row_sum over four vector accumulators, multi_row_sum's four cascade levels), and the chunked collector against
 * keeping every value, filled by column blocks in shuffled order.
 */
class CascadeSumTest {

    /** A plain transcription: vectors of 8 lanes, rows of four vectors, four cascade levels, then tails. */
    private static float literal(float[] x) {
        int lanes = 8;
        int vectors = x.length / lanes;
        int size = vectors / 4;
        int ceilLog2 = size <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(size - 1L);
        int power = Math.max(4, ceilLog2 / 4);
        long step = 1L << power;
        long mask = step - 1;
        float[][][] acc = new float[4][4][lanes];
        long i = 0;
        while (i + step <= size) {
            for (long j = 0; j < step; j++, i++) {
                addRow(x, i, acc[0]);
            }
            for (int j = 1; j < 4; j++) {
                for (int k = 0; k < 4; k++) {
                    for (int l = 0; l < lanes; l++) {
                        acc[j][k][l] += acc[j - 1][k][l];
                        acc[j - 1][k][l] = 0;
                    }
                }
                if ((i & (mask << (j * power))) != 0) {
                    break;
                }
            }
        }
        for (; i < size; i++) {
            addRow(x, i, acc[0]);
        }
        for (int j = 1; j < 4; j++) {
            for (int k = 0; k < 4; k++) {
                for (int l = 0; l < lanes; l++) {
                    acc[0][k][l] += acc[j][k][l];
                }
            }
        }
        float[] p = acc[0][0];
        for (int v = size * 4; v < vectors; v++) {
            for (int l = 0; l < lanes; l++) {
                p[l] += x[v * lanes + l];
            }
        }
        for (int k = 1; k < 4; k++) {
            for (int l = 0; l < lanes; l++) {
                p[l] += acc[0][k][l];
            }
        }
        float total = 0;
        for (int k = vectors * lanes; k < x.length; k++) {
            total += x[k];
        }
        for (int l = 0; l < lanes; l++) {
            total += p[l];
        }
        return total;
    }

    /** Row {@code i} of four 8-lane vectors into the four accumulators. */
    private static void addRow(float[] x, long i, float[][] acc) {
        for (int k = 0; k < 4; k++) {
            for (int l = 0; l < 8; l++) {
                acc[k][l] += x[(int) ((i * 4 + k) * 8 + l)];
            }
        }
    }

    private static float[] values(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.abs(r.nextGaussian() * Math.exp(3 * r.nextGaussian()));
        }
        return x;
    }

    @ParameterizedTest
    @CsvSource({"1", "7", "31", "33", "1000", "11264", "65536", "262147", "9000000"})
    void contiguousIsTheLiteralOrder(int n) {
        float[] x = values(n, n);
        assertEquals(literal(x), CascadeSum.contiguous(x, 8), 0f);
    }

    /** The collector in chunks or kept, filled by column blocks of rows in a shuffled order. */
    @ParameterizedTest
    @CsvSource({"64,4096,1024", "32,1024,1024", "3,352,1024", "1040,17408,1024"})
    void collectorsAgreeWithTheLiteralOrder(int g, int m, int block) {
        int n = g * m;
        float[] x = values(n, 7L * n);
        CascadeSum.AbsSum sum = CascadeSum.AbsSum.of(n, m, block);
        List<int[]> segments = new ArrayList<>();
        for (int lo = 0; lo < m; lo += block) {
            for (int i = 0; i < g; i++) {
                segments.add(new int[] {i * m + lo, Math.min(block, m - lo)});
            }
        }
        Collections.shuffle(segments, new Random(1));
        for (int[] seg : segments) {
            float[] dev = new float[seg[1]];
            for (int j = 0; j < seg[1]; j++) {
                dev[j] = (j % 2 == 0 ? 1 : -1) * x[seg[0] + j];   // the collector takes absolute values
            }
            sum.add(seg[0], dev, seg[1]);
        }
        float expected = literal(x);
        assertEquals(expected, sum.total(), 0f);
        float sequential = 0;
        for (float v : x) {
            sequential += v;
        }
        if (n > 100_000) {
            assertNotEquals(expected, sequential, "the order matters at this size (else the test proves little)");
        }
    }
}
