package org.lmqt.checkpoint;

import java.util.Optional;

/**
 * One quantizable weight matrix of a model: block index and module path inside the block
 * ({@code model.layers.3.mlp.up_proj.weight} is layer 3, module {@code mlp.up_proj}). The one key of a matrix
 * that metadata tables, MXQ allocations, quantization plans, snapshots and the model's layer factory share; the
 * tensor names come from the {@link ModelFamily}.
 *
 * @param layer  block index, from 0
 * @param module module path inside the block, as the family names it ({@code self_attn.q_proj})
 */
public record MatrixKey(int layer, String module) implements Comparable<MatrixKey> {

    public MatrixKey {
        if (layer < 0) {
            throw new IllegalArgumentException("negative layer " + layer + " of " + module);
        }
        if (module == null || module.isBlank()) {
            throw new IllegalArgumentException("empty module name in layer " + layer);
        }
    }

    /** The matrix a tensor name denotes in {@code family}, or empty for other tensors (embeddings, norms, biases). */
    public static Optional<MatrixKey> ofWeight(String tensorName, ModelFamily family) {
        if (!family.modulePaths().isEmpty()) {
            return ofTemplatedWeight(tensorName, family);
        }
        String prefix = family.layerPrefix();
        if (!tensorName.startsWith(prefix) || !tensorName.endsWith(".weight")) {
            return Optional.empty();
        }
        String rest = tensorName.substring(prefix.length(), tensorName.length() - ".weight".length());
        int dot = rest.indexOf('.');
        if (dot <= 0 || !rest.substring(0, dot).chars().allMatch(Character::isDigit)) {
            return Optional.empty();
        }
        String module = rest.substring(dot + 1);
        if (!family.linearModules().contains(module)) {
            return Optional.empty();
        }
        return Optional.of(new MatrixKey(Integer.parseInt(rest.substring(0, dot)), module));
    }

    /** {@link #ofWeight} for families with per-module path templates (CLIP). */
    private static Optional<MatrixKey> ofTemplatedWeight(String tensorName, ModelFamily family) {
        for (String module : family.linearModules()) {
            String template = family.modulePaths().get(module) + ".weight";
            int at = template.indexOf("{i}");
            String head = template.substring(0, at);
            String tail = template.substring(at + 3);
            if (tensorName.length() > head.length() + tail.length() && tensorName.startsWith(head)
                    && tensorName.endsWith(tail)) {
                String digits = tensorName.substring(head.length(), tensorName.length() - tail.length());
                if (digits.chars().allMatch(Character::isDigit)) {
                    return Optional.of(new MatrixKey(Integer.parseInt(digits), module));
                }
            }
        }
        return Optional.empty();
    }

    /** Parses the allocation key {@code <layer>.<module>} ({@code 3.mlp.up_proj}). */
    public static MatrixKey parse(String id) {
        int dot = id.indexOf('.');
        if (dot <= 0) {
            throw new IllegalArgumentException("'" + id + "' is not a matrix key <layer>.<module>");
        }
        try {
            return new MatrixKey(Integer.parseInt(id.substring(0, dot)), id.substring(dot + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + id + "' is not a matrix key <layer>.<module>");
        }
    }

    /** The original's allocation key {@code <layer>.<module>}. */
    public String id() {
        return layer + "." + module;
    }

    /** The module path without {@code .weight} ({@code model.layers.3.mlp.up_proj}), as saved states are keyed. */
    public String modulePath(ModelFamily family) {
        return family.modulePath(layer, module);
    }

    /** The weight's tensor name ({@code model.layers.3.mlp.up_proj.weight}). */
    public String weightName(ModelFamily family) {
        return modulePath(family) + ".weight";
    }

    /** The bias's tensor name ({@code model.layers.3.self_attn.q_proj.bias}; Qwen2 has q/k/v biases). */
    public String biasName(ModelFamily family) {
        return modulePath(family) + ".bias";
    }

    /** Layer order, then module name. */
    @Override
    public int compareTo(MatrixKey o) {
        int c = Integer.compare(layer, o.layer);
        return c != 0 ? c : module.compareTo(o.module);
    }

    @Override
    public String toString() {
        return id();
    }
}
