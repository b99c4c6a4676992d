package org.lmqt.quant.gptq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.lmqt.quant.CalibrationInputs;

/**
 * GPTQ's Hessian {@code H = (2/n) Σ x xᵀ} of one linear layer, accumulated exactly as AutoGPTQ's {@code add_batch}
 * does with batch size 1 (calib-methods-spec §2.1), in float32: per sequence, {@code H *= n/(n+1)}, {@code n += 1},
 * {@code x = sqrt(2/n) * x}, {@code H += xᵀ x} (the sequence's tokens as rows of {@code x}). {@code n} counts
 * sequences, not tokens. Sequences can be added one at a time, so a layer-wise caller streams its calibration set.
 * Not thread-safe; a Hessian fed device arrays holds native memory until {@link #values()} is read.
 */
public final class GptqHessian {
    /** Rows of {@code H} updated together, so one pass over the tokens serves them all. */
    private static final int ROW_BLOCK = 16;

    private final int cols;
    private final float[] h;                                     // [cols, cols] symmetric
    private int sequences;
    private NDManager device;                                    // owns deviceH while sequences arrive as arrays
    private NDArray deviceH;                                     // [cols, cols] H on the arrays' device, or null

    /** An empty Hessian for a layer with {@code cols} input features. */
    public GptqHessian(int cols) {
        if (cols <= 0) {
            throw new IllegalArgumentException("a layer has at least one input, not " + cols);
        }
        this.cols = cols;
        this.h = new float[Math.multiplyExact(cols, cols)];
    }

    /** The Hessian of {@code inputs} cut into sequences of {@code seqLen} rows (the last may be shorter). */
    public static GptqHessian of(CalibrationInputs inputs, int seqLen) {
        GptqHessian hessian = new GptqHessian(inputs.cols());
        hessian.addAll(inputs, seqLen);
        return hessian;
    }

    /** Adds every sequence of {@code seqLen} rows of {@code inputs}, in order (the last may be shorter). */
    public void addAll(CalibrationInputs inputs, int seqLen) {
        if (inputs.cols() != cols) {
            throw new IllegalArgumentException("calibration inputs have " + inputs.cols() + " features, the layer "
                    + cols);
        }
        if (seqLen <= 0) {
            throw new IllegalArgumentException("sequence length must be positive, not " + seqLen);
        }
        for (int row = 0; row < inputs.rows(); row += seqLen) {
            addSequence(inputs.values(), row, Math.min(seqLen, inputs.rows() - row));
        }
    }

    /**
     * One {@code add_batch} call with one sequence: rows {@code [firstRow, firstRow + tokens)} of {@code x}.
     *
     * @param x {@code [*, cols]} row-major: one input vector per token
     */
    public void addSequence(float[] x, int firstRow, int tokens) {
        fromDevice();
        if (tokens <= 0 || firstRow < 0 || ((long) firstRow + tokens) * cols > x.length) {
            throw new IllegalArgumentException("rows [" + firstRow + ", " + ((long) firstRow + tokens) + ") are not in "
                    + "an input of " + x.length / cols + " rows of " + cols);
        }
        // stage 1: H *= n / (n + 1), the ratio rounded to float32 as PyTorch applies a Python scalar
        float decay = (float) ((double) sequences / (sequences + 1));
        for (int i = 0; i < h.length; i++) {
            h[i] *= decay;
        }
        sequences++;
        // stage 2: x = sqrt(2 / n) * x in float32
        float s = (float) Math.sqrt(2.0 / sequences);
        float[] xs = new float[tokens * cols];                   // [tokens, cols]
        for (int i = 0; i < xs.length; i++) {
            xs[i] = s * x[firstRow * cols + i];
        }
        // stage 3: P = xᵀ x (each element summed over tokens in order with fma; lower triangle, mirrored), H += P
        float[] p = new float[ROW_BLOCK * cols];                 // [ROW_BLOCK, cols] rows i0.. of P up to the diagonal
        for (int i0 = 0; i0 < cols; i0 += ROW_BLOCK) {
            int i1 = Math.min(cols, i0 + ROW_BLOCK);
            Arrays.fill(p, 0f);
            for (int t = 0; t < tokens; t++) {
                int row = t * cols;
                for (int i = i0; i < i1; i++) {
                    float xi = xs[row + i];
                    int at = (i - i0) * cols;
                    for (int j = 0; j <= i; j++) {
                        p[at + j] = Math.fma(xi, xs[row + j], p[at + j]);
                    }
                }
            }
            for (int i = i0; i < i1; i++) {
                int at = (i - i0) * cols;
                for (int j = 0; j < i; j++) {
                    h[i * cols + j] += p[at + j];
                    h[j * cols + i] += p[at + j];
                }
                h[i * cols + i] += p[at + i];
            }
        }
    }

    /**
     * One {@code add_batch} call with one sequence {@code x [tokens, cols]} on its device: the same three stages on a
     * copy of {@code H} kept on that device ({@code H *= n/(n+1)}, {@code inp = sqrt(2/n) * x^T},
     * {@code H += inp @ inp.T} by libtorch's matmul, as AutoGPTQ takes it), so the block-wise GPTQ of a model
     * accumulates at the speed of the reference's BLAS with the BLAS's sum order. {@link #values()} brings {@code H}
     * back and frees the device copy.
     */
    public void addSequence(NDArray x) {
        if (x.getShape().dimension() != 2 || x.getShape().get(1) != cols || x.getShape().get(0) == 0) {
            throw new IllegalArgumentException("a sequence [tokens, " + cols + "] is needed, not " + x.getShape());
        }
        if (device == null) {
            device = NDManager.newBaseManager(x.getDevice());
            deviceH = device.create(h, new Shape(cols, cols));                            // [cols, cols]
            NDScope.unregister(deviceH);
        }
        // stage 1: H *= n / (n + 1)
        deviceH.muli((float) ((double) sequences / (sequences + 1)));
        sequences++;
        // stages 2 and 3: inp = sqrt(2 / n) * x^T in float32, H += inp inp^T
        float s = (float) Math.sqrt(2.0 / sequences);
        try (NDScope scope = new NDScope()) {
            NDArray inp = x.toType(DataType.FLOAT32, false).mul(s).transpose();           // [cols, tokens]
            deviceH.addi(inp.matMul(inp.transpose()));                                     // [cols, cols]
        }
    }

    /** Brings the device copy of {@code H} back into {@link #h} and frees it. */
    private void fromDevice() {
        if (device != null) {
            System.arraycopy(deviceH.toFloatArray(), 0, h, 0, h.length);
            device.close();
            device = null;
            deviceH = null;
        }
    }

    /** Input features. */
    public int cols() {
        return cols;
    }

    /** Sequences added ({@code nsamples}). */
    public int sequences() {
        return sequences;
    }

    /** A copy of {@code H}, {@code [cols, cols]} row-major. */
    public float[] values() {
        fromDevice();
        return h.clone();
    }
}
