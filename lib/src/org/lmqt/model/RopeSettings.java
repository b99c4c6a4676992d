package org.lmqt.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.cli.UserException;

/**
 * Rotary position embedding settings of a config: the base {@code rope_theta} and the {@code rope_scaling} variant.
 *
 * @param theta               base of the inverse frequencies
 * @param type                {@code default}, {@code linear} or {@code llama3}
 * @param factor              scaling factor (1 for default)
 * @param lowFreqFactor       Llama-3 low-frequency factor
 * @param highFreqFactor      Llama-3 high-frequency factor
 * @param originalMaxPositions Llama-3 original context length
 */
public record RopeSettings(double theta, String type, double factor, double lowFreqFactor, double highFreqFactor,
                           int originalMaxPositions) {

    /** Reads {@code rope_theta} and {@code rope_scaling}; a one-line error for unsupported scaling types. */
    public static RopeSettings of(ModelConfig config) {
        if (config.ropeScaling().isEmpty()) {
            return new RopeSettings(config.ropeTheta(), "default", 1, 1, 1, config.maxPositions());
        }
        JsonNode s = config.ropeScaling().get();
        String type = s.has("rope_type") ? s.get("rope_type").asText() : s.path("type").asText("default");
        return switch (type) {
            case "default" -> new RopeSettings(config.ropeTheta(), "default", 1, 1, 1, config.maxPositions());
            case "linear" -> new RopeSettings(config.ropeTheta(), type, s.path("factor").asDouble(1), 1, 1,
                    config.maxPositions());
            case "llama3" -> new RopeSettings(config.ropeTheta(), type, s.path("factor").asDouble(8),
                    s.path("low_freq_factor").asDouble(1), s.path("high_freq_factor").asDouble(4),
                    s.path("original_max_position_embeddings").asInt(8192));
            default -> throw new UserException("config.json: rope_scaling type '" + type
                    + "' is not supported (default, linear, llama3)");
        };
    }

    /** Inverse frequencies {@code theta^(-2i/d)} for {@code i < d/2}, scaled as {@link #type} says (float32, as HF). */
    public float[] inverseFrequencies(int headDim) {
        float[] inv = new float[headDim / 2]; // [d/2]
        // base frequencies, float32 as transformers computes them
        for (int i = 0; i < inv.length; i++) {
            inv[i] = (float) (1.0 / Math.pow(theta, (float) (2 * i) / headDim));
        }
        switch (type) {
            case "linear" -> {
                // linear scaling divides positions by the factor, i.e. the frequencies
                for (int i = 0; i < inv.length; i++) {
                    inv[i] = (float) (inv[i] / factor);
                }
            }
            case "llama3" -> {
                // Llama 3: long wavelengths divided by the factor, short ones kept, the middle band interpolated
                double lowWavelen = originalMaxPositions / lowFreqFactor;
                double highWavelen = originalMaxPositions / highFreqFactor;
                for (int i = 0; i < inv.length; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowWavelen) {
                        inv[i] = (float) (inv[i] / factor);
                    } else if (wavelen >= highWavelen) {
                        double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                        inv[i] = (float) ((1 - smooth) * inv[i] / factor + smooth * inv[i]);
                    }
                }
            }
            default -> { }
        }
        return inv;
    }

    /**
     * Cosine and sine tables in the HF rotate-half layout: row {@code p} is {@code [f_0..f_{d/2-1}, f_0..f_{d/2-1}]}
     * of the angles {@code p * inv_freq}.
     *
     * @return {@code {cos, sin}}, each {@code [positions, headDim]} row-major
     */
    public float[][] tables(int positions, int headDim) {
        float[] inv = inverseFrequencies(headDim); // [d/2]
        int half = headDim / 2;
        float[] cos = new float[positions * headDim]; // [positions, d]
        float[] sin = new float[positions * headDim]; // [positions, d]
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                float angle = p * inv[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * headDim + i] = c;
                cos[p * headDim + half + i] = c;
                sin[p * headDim + i] = s;
                sin[p * headDim + half + i] = s;
            }
        }
        return new float[][] {cos, sin};
    }
}
