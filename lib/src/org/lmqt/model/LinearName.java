package org.lmqt.model;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lmqt.checkpoint.ModelFamily;

/**
 * A quantizable linear weight named by layer and module ({@code model.layers.3.mlp.up_proj.weight} is layer 3,
 * module {@code mlp.up_proj}).
 *
 * @param layer  block index
 * @param module module path inside the block
 */
record LinearName(int layer, String module) {
    private static final Pattern WEIGHT = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)\\.weight");

    /** The linear weight a tensor name denotes, or empty for other tensors (embeddings, norms, biases). */
    static Optional<LinearName> parse(String tensorName) {
        Matcher m = WEIGHT.matcher(tensorName);
        if (!m.matches() || !ModelFamily.LLAMA.linearModules().contains(m.group(2))) {
            return Optional.empty();
        }
        return Optional.of(new LinearName(Integer.parseInt(m.group(1)), m.group(2)));
    }

    /** The module path without {@code .weight}, as the original keys its saved states. */
    String modulePath() {
        return ModelFamily.LLAMA.layerPrefix() + layer + "." + module;
    }
}
