package org.lmqt.quant;

/** Row-major matrix layouts the format readers convert between. */
public final class RowMajor {
    private RowMajor() {}

    /** {@code a [rows, cols]} transposed to {@code [cols, rows]}. */
    public static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];                        // [cols, rows]
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    /** {@code a [rows, cols]} of small unsigned values transposed to {@code [cols, rows]} bytes. */
    public static byte[] transposeToBytes(int[] a, int rows, int cols) {
        byte[] t = new byte[a.length];                          // [cols, rows]
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = (byte) a[r * cols + c];
            }
        }
        return t;
    }

    /** {@code a [rows, cols]} transposed to {@code [cols, rows]} floats, plus {@code offset}. */
    public static float[] transposeToFloats(int[] a, int rows, int cols, int offset) {
        float[] t = new float[a.length];                        // [cols, rows]
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c] + offset;
            }
        }
        return t;
    }
}
