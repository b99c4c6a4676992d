package org.lmqt.lkd;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Settings of ZeroQuant's layer-wise knowledge distillation (act-kv-methods-spec §4.2). qllm-infer trains the last
 * layer only ({@code layer_list = [31]} of a 32-layer model), 600 steps of batches of 4 calibration windows, AdamW
 * lr 5e-6, weight decay 1e-5 except biases.
 *
 * @param layers      which layers to train: {@code last} (the default), {@code all}, or indices such as
 *                    {@code 0,3} ({@code -1} = the last)
 * @param steps       optimizer steps per layer (600)
 * @param batch       windows per step (4); the windows are taken in order in batches, epoch after epoch, as an
 *                    unshuffled {@code DataLoader} gives them (a last short batch included)
 * @param optimizer   the AdamW settings (lr 5e-6, weight decay 1e-5, torch's betas and eps)
 */
public record LkdConfig(String layers, int steps, int batch, AdamW.Settings optimizer) {

    /** qllm-infer's learning rate. */
    public static final double LR = 5e-6;
    /** qllm-infer's weight decay. */
    public static final double WEIGHT_DECAY = 1e-5;

    public LkdConfig {
        layers = layers.trim().toLowerCase(Locale.ROOT);
        if (!layers.equals("last") && !layers.equals("all") && !layers.matches("-?\\d+(,-?\\d+)*")) {
            throw new IllegalArgumentException("--lkd-layers: expected last, all or indices such as 0,3 (-1 = the "
                    + "last), got '" + layers + "'");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("--lkd-steps must be at least 1, got " + steps);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("the LKD batch must be at least 1 window, got " + batch);
        }
    }

    /** qllm-infer's settings: the last layer, 600 steps, batch 4, lr 5e-6, weight decay 1e-5. */
    public static final LkdConfig QLI = new LkdConfig("last", 600, 4, AdamW.Settings.torch(LR, WEIGHT_DECAY));

    /** These settings with another learning rate. */
    public LkdConfig withLr(double lr) {
        AdamW.Settings o = optimizer;
        return new LkdConfig(layers, steps, batch, new AdamW.Settings(lr, o.weightDecay(), o.beta1(), o.beta2(),
                o.eps()));
    }

    /** The layer indices of a model with {@code numLayers} layers, ascending; one line for an out-of-range one. */
    public List<Integer> layerIndices(int numLayers) {
        if (layers.equals("last")) {
            return List.of(numLayers - 1);
        }
        if (layers.equals("all")) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < numLayers; i++) {
                all.add(i);
            }
            return all;
        }
        TreeSet<Integer> out = new TreeSet<>();
        for (String p : layers.split(",")) {
            int i = Integer.parseInt(p);
            int idx = i < 0 ? numLayers + i : i;
            if (idx < 0 || idx >= numLayers) {
                throw new IllegalArgumentException("--lkd-layers: layer " + i + " is outside the model's " + numLayers
                        + " layers");
            }
            out.add(idx);
        }
        return List.copyOf(out);
    }
}
