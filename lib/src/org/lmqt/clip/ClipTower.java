package org.lmqt.clip;

/**
 * The transformer of one CLIP tower.
 *
 * @param width    residual width
 * @param layers   encoder layers
 * @param heads    attention heads (width is a multiple)
 * @param mlpWidth width of the MLP ({@code fc1}/{@code c_fc} outputs)
 * @param act      MLP activation
 * @param eps      LayerNorm epsilon
 */
public record ClipTower(int width, int layers, int heads, int mlpWidth, ClipActivation act, double eps) {

    public ClipTower {
        if (width <= 0 || layers <= 0 || heads <= 0 || mlpWidth <= 0) {
            throw new IllegalArgumentException("CLIP tower sizes must be positive: width " + width + ", layers "
                    + layers + ", heads " + heads + ", mlp " + mlpWidth);
        }
        if (width % heads != 0) {
            throw new IllegalArgumentException("CLIP tower width " + width + " is not a multiple of " + heads
                    + " heads");
        }
    }

    /** Per-head width. */
    public int headDim() {
        return width / heads;
    }
}
