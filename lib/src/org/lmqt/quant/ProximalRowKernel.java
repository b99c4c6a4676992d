package org.lmqt.quant;

/**
 * The hot loop of HQQ's proximal step over one row of a column block, element by element:
 * {@code q = rint(clamp(w*s + z, 0, qmax))}, {@code d = w - (q - z)/s}, {@code err += |d|}, {@code term = q - w*s}
 * (the zero update assuming the shrunk error is 0). Returns whether any {@code |d| >= thr}, i.e. whether the caller
 * must fix up terms with the exact soft threshold. Every operation is one IEEE float32 operation, in the same order,
 * in both implementations, so they give bit-identical results.
 */
interface ProximalRowKernel {
    /** Adding then subtracting 2^23 rounds a float in [0, 2^23) to the nearest integer, ties to even (= rint). */
    float RINT_MAGIC = 8388608f;

    /**
     * @param w    weights, row-major {@code [g, M]}; this row's block starts at {@code row}
     * @param s    inverse scales {@code [M]}; the block starts at {@code lo}
     * @param z    zeros {@code [M]}
     * @param code out: codes {@code [n]}
     * @param dev  out: {@code w - w_r} {@code [n]}
     * @param err  in/out: running sum of {@code |w - w_r|} {@code [n]}
     * @param term out: {@code q - w*s} {@code [n]}
     */
    boolean run(float[] w, int row, float[] s, float[] z, int lo, int n, float qmax, float thr,
                float[] code, float[] dev, float[] err, float[] term);

    /**
     * {@code acc[l] += x[from + r*width + l]} (or its absolute value) for {@code r = 0..rows-1}, each lane
     * {@code l < width} added in row order (the order PyTorch's vector accumulators add in; {@code width} a multiple
     * of 8).
     */
    void addRows(float[] x, int from, int rows, int width, float[] acc, boolean absolute);

    /** The Vector API kernel when {@code jdk.incubator.vector} is loaded, else the scalar one. */
    static ProximalRowKernel best() {
        try {
            return (ProximalRowKernel) Class.forName("org.lmqt.quant.VectorRowKernel").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return new ScalarRowKernel();
        }
    }

    /** Plain Java; the reference for the vector kernel. */
    final class ScalarRowKernel implements ProximalRowKernel {
        @Override
        public boolean run(float[] w, int row, float[] s, float[] z, int lo, int n, float qmax, float thr,
                           float[] code, float[] dev, float[] err, float[] term) {
            return tail(0, w, row, s, z, lo, n, qmax, thr, code, dev, err, term);
        }

        @Override
        public void addRows(float[] x, int from, int rows, int width, float[] acc, boolean absolute) {
            for (int r = 0; r < rows; r++) {
                int base = from + r * width;
                for (int l = 0; l < width; l++) {
                    acc[l] += absolute ? Math.abs(x[base + l]) : x[base + l];
                }
            }
        }

        /** Elements {@code [from, n)}. */
        static boolean tail(int from, float[] w, int row, float[] s, float[] z, int lo, int n, float qmax, float thr,
                            float[] code, float[] dev, float[] err, float[] term) {
            boolean far = false;
            for (int j = from; j < n; j++) {
                float wv = w[row + j];
                float sj = s[lo + j];
                float zj = z[lo + j];
                float x = Math.min(Math.max(wv * sj + zj, 0f), qmax);
                float q = (x + RINT_MAGIC) - RINT_MAGIC;
                float d = wv - (q - zj) / sj;
                code[j] = q;
                dev[j] = d;
                err[j] += Math.abs(d);
                term[j] = q - wv * sj;
                far |= Math.abs(d) >= thr;
            }
            return far;
        }
    }
}
