package org.lmqt.checkpoint;

import java.util.List;
import java.util.Set;

/**
 * Per-family naming of the weight matrices that lmqt quantizes and measures. The Llama family (Llama 2/3, Mistral,
 * Qwen2) shares one naming; other families (CLIP, ...) are added as further constants.
 *
 * @param name            short family name
 * @param architectures   {@code config.json} architectures that belong to the family
 * @param layerPrefix     prefix of a decoder block's tensors, followed by the layer index
 * @param linearModules   quantizable matrices in the order of the original's FNorm tables (q, v, k, o, gate, up, down)
 * @param kurtosisModules the same matrices in the order of the original's kurtosis tables (q, k, v, o, gate, down, up)
 * @param normModules     per-block norms that the weight-distribution table adds
 */
public record ModelFamily(String name, Set<String> architectures, String layerPrefix, List<String> linearModules,
                          List<String> kurtosisModules, List<String> normModules) {

    public static final ModelFamily LLAMA = new ModelFamily("llama",
            Set.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"),
            "model.layers.",
            List.of("self_attn.q_proj", "self_attn.v_proj", "self_attn.k_proj", "self_attn.o_proj",
                    "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"),
            List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                    "mlp.gate_proj", "mlp.down_proj", "mlp.up_proj"),
            List.of("input_layernorm", "post_attention_layernorm"));

    /** Every family lmqt knows. */
    public static final List<ModelFamily> ALL = List.of(LLAMA);

    public ModelFamily {
        architectures = Set.copyOf(architectures);
        linearModules = List.copyOf(linearModules);
        kurtosisModules = List.copyOf(kurtosisModules);
        normModules = List.copyOf(normModules);
        if (!Set.copyOf(linearModules).equals(Set.copyOf(kurtosisModules))) {
            throw new IllegalArgumentException(name + ": FNorm and kurtosis module lists differ");
        }
    }

    /** The family of a config; a {@link CheckpointException} for unsupported architectures. */
    public static ModelFamily of(ModelConfig config) {
        for (ModelFamily f : ALL) {
            if (f.architectures().contains(config.architecture())) {
                return f;
            }
        }
        throw new CheckpointException("unsupported architecture '" + config.architecture() + "' (supported: "
                + ALL.stream().flatMap(f -> f.architectures().stream()).sorted().toList() + ")");
    }

    /** Tensor name of a module's weight in a layer, e.g. {@code model.layers.3.mlp.up_proj.weight}. */
    public String weightName(int layer, String module) {
        return layerPrefix + layer + "." + module + ".weight";
    }

    /** The weight-distribution table's modules: linear matrices and norms, alphabetical (as the original's files). */
    public List<String> wdistModules() {
        return java.util.stream.Stream.concat(linearModules.stream(), normModules.stream()).sorted().toList();
    }
}
