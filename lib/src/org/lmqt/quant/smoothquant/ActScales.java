package org.lmqt.quant.smoothquant;

/**
 * SmoothQuant's calibration statistic ({@code get_act_scales}): per input channel, the running maximum of |x| over
 * every token a linear layer saw, in float32.
 */
public final class ActScales {
    private final float[] max;  // [features]

    public ActScales(int features) {
        this.max = new float[features];
    }

    /** Folds in an input {@code x [tokens, features]}. */
    public void update(float[] x) {
        int f = max.length;
        if (x.length % f != 0) {
            throw new IllegalArgumentException(x.length + " values are not rows of " + f);
        }
        for (int i = 0; i < x.length; i++) {
            max[i % f] = Math.max(max[i % f], Math.abs(x[i]));
        }
    }

    /** The maxima so far, {@code [features]} (a copy). */
    public float[] values() {
        return max.clone();
    }

    /** The largest |x| over every channel (the static per-tensor range). */
    public float tensorMax() {
        float m = 0f;
        for (float v : max) {
            m = Math.max(m, v);
        }
        return m;
    }
}
