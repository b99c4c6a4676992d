package org.lmqt.clip;

/**
 * One tower's outputs for a batch, float32 row-major.
 *
 * @param lastHidden encoder output {@code [B, T, D]} (vision: before {@code post_layernorm}; text: after
 *                   {@code final_layer_norm}, as Hugging Face's {@code last_hidden_state})
 * @param pooled     {@code [B, D]} (vision: {@code post_layernorm} of the class token; text: the pooled position)
 * @param features   {@code [B, proj]}, projected, not normalised ({@code get_image_features} / {@code encode_image})
 * @param batch      B
 */
public record TowerOutput(float[] lastHidden, float[] pooled, float[] features, int batch) {

    public TowerOutput {
        if (batch <= 0 || features.length % batch != 0 || pooled.length % batch != 0) {
            throw new IllegalArgumentException("tower outputs do not split into " + batch + " rows");
        }
    }

    /** Width of the features. */
    public int featureDim() {
        return features.length / batch;
    }

    /** The features L2-normalised per row ({@code image_embeds} / {@code text_embeds}), {@code [B, proj]}. */
    public float[] embeds() {
        return normalizeRows(features, featureDim());
    }

    /** Rows of {@code x [n, dim]} divided by their L2 norm. */
    public static float[] normalizeRows(float[] x, int dim) {
        float[] out = new float[x.length];
        for (int r = 0; r < x.length / dim; r++) {
            double s = 0;
            for (int j = 0; j < dim; j++) {
                s += (double) x[r * dim + j] * x[r * dim + j];
            }
            float inv = (float) (1.0 / Math.sqrt(s));
            for (int j = 0; j < dim; j++) {
                out[r * dim + j] = x[r * dim + j] * inv;
            }
        }
        return out;
    }
}
