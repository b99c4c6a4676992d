package org.lmqt.checkpoint;

import java.util.List;
import java.util.Map;
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
 * @param modulePaths     module label -> tensor path template with {@code {i}} for the layer, for families whose
 *                        tensor names are not {@code layerPrefix + i + "." + module} (CLIP: two towers, labels as
 *                        the original's tables name them); empty for the Llama family
 */
public record ModelFamily(String name, Set<String> architectures, String layerPrefix, List<String> linearModules,
                          List<String> kurtosisModules, List<String> normModules, Map<String, String> modulePaths) {

    public static final ModelFamily LLAMA = new ModelFamily("llama",
            Set.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"),
            "model.layers.",
            List.of("self_attn.q_proj", "self_attn.v_proj", "self_attn.k_proj", "self_attn.o_proj",
                    "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"),
            List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                    "mlp.gate_proj", "mlp.down_proj", "mlp.up_proj"),
            List.of("input_layernorm", "post_attention_layernorm"));

    /**
     * CLIP (Hugging Face {@code CLIPModel}; open_clip checkpoints are read under the same names, see
     * {@code org.lmqt.clip.ClipWeights}). The quantizable matrices are the MLPs of both towers, vision tower first,
     * labelled as the original's ViT tables label them ({@code vision.mlp.c_fc}); attention stays unquantized as
     * in the original ("Disable attn quantization"), but its linears ({@code vision.attn.q_proj}, ...) still have
     * keys so that every linear layer is built by the same factory.
     */
    public static final ModelFamily CLIP = new ModelFamily("clip", Set.of("CLIPModel"),
            "vision_model.encoder.layers.",
            List.of("vision.mlp.c_fc", "vision.mlp.c_proj", "text.mlp.c_fc", "text.mlp.c_proj"),
            List.of("vision.mlp.c_fc", "vision.mlp.c_proj", "text.mlp.c_fc", "text.mlp.c_proj"),
            List.of(), clipPaths());

    /** Every family lmqt knows. */
    public static final List<ModelFamily> ALL = List.of(LLAMA, CLIP);

    /** The Llama-style family whose tensors are {@code layerPrefix + i + "." + module}. */
    public ModelFamily(String name, Set<String> architectures, String layerPrefix, List<String> linearModules,
                       List<String> kurtosisModules, List<String> normModules) {
        this(name, architectures, layerPrefix, linearModules, kurtosisModules, normModules, Map.of());
    }

    public ModelFamily {
        modulePaths = Map.copyOf(modulePaths);
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
        return modulePath(layer, module) + ".weight";
    }

    /** A module's path without {@code .weight} ({@code model.layers.3.mlp.up_proj}). */
    public String modulePath(int layer, String module) {
        String template = modulePaths.get(module);
        return template == null ? layerPrefix + layer + "." + module : template.replace("{i}", Integer.toString(layer));
    }

    /** The CLIP module labels and their Hugging Face tensor paths, both towers. */
    private static Map<String, String> clipPaths() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String[] tower : new String[][] {{"vision", "vision_model"}, {"text", "text_model"}}) {
            String p = tower[1] + ".encoder.layers.{i}.";
            m.put(tower[0] + ".mlp.c_fc", p + "mlp.fc1");
            m.put(tower[0] + ".mlp.c_proj", p + "mlp.fc2");
            for (String a : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                m.put(tower[0] + ".attn." + a, p + "self_attn." + a);
            }
        }
        return m;
    }

    /** The weight-distribution table's modules: linear matrices and norms, alphabetical (as the original's files). */
    public List<String> wdistModules() {
        return java.util.stream.Stream.concat(linearModules.stream(), normModules.stream()).sorted().toList();
    }
}
