package org.lmqt.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.cli.UserException;

/**
 * What the decoder needs from a Llama-family {@code config.json} (Llama 2/3, Mistral, Qwen2).
 *
 * @param config        the parsed config
 * @param rope          rotary embedding settings (theta and {@code rope_scaling})
 * @param slidingWindow Mistral/Qwen2 sliding attention window in tokens, or 0 for full causal attention
 */
public record DecoderConfig(ModelConfig config, RopeSettings rope, int slidingWindow) {

    public DecoderConfig {
        if (config.headDim() % 2 != 0) {
            throw new UserException("config.json: head_dim " + config.headDim() + " is odd; RoPE needs an even width");
        }
    }

    /** Validates the architecture (one-line error for unsupported ones) and reads RoPE and window settings. */
    public static DecoderConfig of(ModelConfig config) {
        ModelFamily family = ModelFamily.of(config);
        if (family != ModelFamily.LLAMA) {
            throw new UserException("architecture '" + config.architecture() + "' has no decoder in lmqt");
        }
        String act = config.json().path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new UserException("config.json: hidden_act '" + act + "' is not supported (only silu, as Llama)");
        }
        return new DecoderConfig(config, RopeSettings.of(config), slidingWindow(config.json()));
    }

    private static int slidingWindow(JsonNode json) {
        JsonNode w = json.get("sliding_window");
        boolean used = !json.has("use_sliding_window") || json.get("use_sliding_window").asBoolean(false);
        return w == null || w.isNull() || !used ? 0 : w.asInt(0);
    }

    /** Query heads per key/value head. */
    public int groupSize() {
        return config.numHeads() / config.numKvHeads();
    }
}
