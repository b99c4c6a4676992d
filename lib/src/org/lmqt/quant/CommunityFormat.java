package org.lmqt.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;
import org.lmqt.checkpoint.CheckpointException;
import org.lmqt.checkpoint.StoredTensors;
import org.lmqt.quant.awq.AwqMatrix;
import org.lmqt.quant.gptq.GptqMatrix;

/**
 * The quantized checkpoint layouts other tools load (calib-methods-spec §2.5, §3.6, §4.2, §4.4): what a model's
 * {@code config.json} says in {@code quantization_config}, the side file the quantizing library writes beside it, and
 * how one linear layer's tensors are found and read back. transformers, vLLM, GPTQModel and AutoAWQ recognise a
 * folder by {@code quantization_config.quant_method}; lmqt writes and reads the same keys.
 */
public sealed interface CommunityFormat {
    ObjectMapper JSON = new ObjectMapper();

    /** {@code quantization_config} of {@code config.json}. */
    ObjectNode quantizationConfig();

    /** Files the quantizing library writes beside {@code config.json} (name to JSON content). */
    Map<String, ObjectNode> sideFiles();

    /** True when the layer under {@code modulePath} is stored quantized (its format's first tensor exists). */
    boolean holds(StoredTensors t, String modulePath);

    /** The quantized layer under {@code modulePath}, validated. */
    QuantizedMatrix read(StoredTensors t, String modulePath);

    /**
     * The format a {@code config.json} declares, or empty for an unquantized model.
     *
     * @throws CheckpointException for a quantization method lmqt does not read, or missing keys
     */
    static Optional<CommunityFormat> of(JsonNode config, String where) {
        JsonNode q = config.path("quantization_config");
        if (q.isMissingNode() || q.isNull()) {
            return Optional.empty();
        }
        String method = q.path("quant_method").asText("");
        return Optional.of(switch (method) {
            case "gptq" -> new Gptq(require(q, "bits", where), q.path("group_size").asInt(-1), q.path("sym").asBoolean(true),
                    q.path("desc_act").asBoolean(false), q.path("static_groups").asBoolean(false),
                    q.path("damp_percent").asDouble(0.01),
                    "gptq_v2".equals(q.path("checkpoint_format").asText("gptq")), Gptq.dynamic(q, where));
            case "awq" -> {
                String version = q.path("version").asText("gemm");
                if (!version.equalsIgnoreCase("gemm")) {
                    throw new CheckpointException(where + ": AWQ version '" + version + "' is not read (only GEMM)");
                }
                int bits = require(q, "bits", where);
                if (bits != 4) {
                    throw new CheckpointException(where + ": AWQ GEMM stores 4-bit weights, not " + bits);
                }
                yield new Awq(require(q, "group_size", where), q.path("zero_point").asBoolean(true));
            }
            case "bitsandbytes" -> {
                if (q.path("load_in_4bit").asBoolean(false)) {
                    if (!"nf4".equals(q.path("bnb_4bit_quant_type").asText("fp4"))
                            || !q.path("bnb_4bit_use_double_quant").asBoolean(false)) {
                        throw new CheckpointException(where + ": only bitsandbytes nf4 with double quantization is "
                                + "read, not " + q);
                    }
                    yield new BnbNf4();
                }
                if (q.path("load_in_8bit").asBoolean(false)) {
                    yield new BnbInt8(q.path("llm_int8_threshold").asDouble(6.0));
                }
                throw new CheckpointException(where + ": bitsandbytes config loads neither 4 nor 8 bits: " + q);
            }
            default -> throw new CheckpointException(where + ": quantization method '" + method
                    + "' is not one lmqt reads (gptq, awq, bitsandbytes)");
        });
    }

    /**
     * The layout lmqt writes for {@code method} at {@code config}: GPTQ with AutoGPTQ's defaults as lmqt quantizes
     * (symmetric, natural order, damp 0.01), AWQ GEMM with a zero point, bitsandbytes nf4 or int8.
     *
     * @throws IllegalArgumentException for HQQ and RTN (their snapshots are lmqt's own)
     */
    static CommunityFormat forMethod(QuantMethod method, QuantConfig config) {
        return switch (method) {
            case GPTQ -> new Gptq(config.bits(), config.group(), true, false, false, 0.01, false);
            case AWQ -> new Awq(config.group(), true);
            case NF4 -> new BnbNf4();
            case INT8 -> new BnbInt8(6.0);
            case HQQ, RTN -> throw new IllegalArgumentException(method.name().toLowerCase(java.util.Locale.ROOT)
                    + " has no community layout: its snapshots are lmqt's own (QuantizedSnapshot)");
        };
    }

    private static int require(JsonNode q, String key, String where) {
        if (!q.path(key).canConvertToInt()) {
            throw new CheckpointException(where + ": quantization_config has no integer '" + key + "'");
        }
        return q.path(key).asInt();
    }

    /**
     * AutoGPTQ's v1 {@code gptq} layout (or GPTQModel's {@code gptq_v2}, read only).
     *
     * @param group {@code group_size}, -1 for one group per row
     * @param v2    zeros stored unmodified (GPTQModel's internal format); lmqt writes v1
     */
    record Gptq(int bits, int group, boolean sym, boolean descAct, boolean staticGroups, double dampPercent, boolean v2,
                Map<String, ModuleConfig> overrides) implements CommunityFormat {
        public Gptq {
            if (bits != 2 && bits != 3 && bits != 4 && bits != 8 || group == 0 || group < -1) {
                throw new IllegalArgumentException("not a GPTQ layout: " + bits + " bits, group " + group);
            }
            overrides = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(overrides));
        }

        /** One config for every layer. */
        Gptq(int bits, int group, boolean sym, boolean descAct, boolean staticGroups, double dampPercent, boolean v2) {
            this(bits, group, sym, descAct, staticGroups, dampPercent, v2, Map.of());
        }

        /**
         * One module's bits and group size in GPTQModel's {@code dynamic} (per-module overrides: the first pattern
         * that {@code re.match}es the module path wins; {@code +:} or no prefix overrides, {@code -:} skips).
         */
        public record ModuleConfig(int bits, int group) {
            public ModuleConfig {
                if (bits != 2 && bits != 3 && bits != 4 && bits != 8 || group == 0 || group < -1) {
                    throw new IllegalArgumentException("not a GPTQ module config: " + bits + " bits, group " + group);
                }
            }
        }

        /**
         * A mixed-config layout (an MXQ allocation of GPTQ configs): {@code base} for the modules not listed, each
         * listed module path its own config, written as GPTQModel's {@code dynamic} with one anchored pattern each.
         */
        public static Gptq mixed(QuantConfig base, Map<String, QuantConfig> byModulePath) {
            Map<String, ModuleConfig> o = new java.util.LinkedHashMap<>();
            byModulePath.forEach((path, c) -> {
                if (!c.equals(base)) {
                    // module paths are names and dots: only the dots need escaping
                    o.put("+:^" + path.replace(".", "\\.") + "$", new ModuleConfig(c.bits(), c.group()));
                }
            });
            return new Gptq(base.bits(), base.group(), true, false, false, 0.01, false, o);
        }

        /** {@code quantization_config.dynamic}: pattern to bits and group size (other override keys are ignored). */
        static Map<String, ModuleConfig> dynamic(JsonNode q, String where) {
            JsonNode d = q.path("dynamic");
            if (d.isMissingNode() || d.isNull()) {
                return Map.of();
            }
            if (!d.isObject()) {
                throw new CheckpointException(where + ": quantization_config.dynamic is not an object");
            }
            Map<String, ModuleConfig> out = new java.util.LinkedHashMap<>();
            int bits = q.path("bits").asInt();
            int group = q.path("group_size").asInt(-1);
            for (var e : (Iterable<Map.Entry<String, JsonNode>>) d::fields) {
                try {
                    java.util.regex.Pattern.compile(e.getKey().replaceFirst("^[+-]:", ""));
                    out.put(e.getKey(), new ModuleConfig(e.getValue().path("bits").asInt(bits),
                            e.getValue().path("group_size").asInt(group)));
                } catch (IllegalArgumentException ex) {
                    throw new CheckpointException(where + ": dynamic pattern '" + e.getKey() + "': " + ex.getMessage());
                }
            }
            return out;
        }

        /** The bits and group size of the module at {@code modulePath}: its first matching override, else the base. */
        public ModuleConfig configOf(String modulePath) {
            for (var e : overrides.entrySet()) {
                String pattern = e.getKey();
                boolean skip = pattern.startsWith("-:");
                if (java.util.regex.Pattern.compile(pattern.replaceFirst("^[+-]:", "")).matcher(modulePath).lookingAt()) {
                    return skip ? new ModuleConfig(bits, group) : e.getValue();
                }
            }
            return new ModuleConfig(bits, group);
        }

        private com.fasterxml.jackson.databind.node.ObjectNode dynamicNode() {
            ObjectNode d = JSON.createObjectNode();
            overrides.forEach((p, o) -> d.set(p, JSON.createObjectNode().put("bits", o.bits()).put("group_size",
                    o.group())));
            return d;
        }

        @Override
        public ObjectNode quantizationConfig() {
            ObjectNode n = JSON.createObjectNode().put("quant_method", "gptq").put("bits", bits).put("group_size", group)
                    .put("damp_percent", dampPercent).put("desc_act", descAct).put("static_groups", staticGroups)
                    .put("sym", sym).put("true_sequential", true);
            n.put("checkpoint_format", v2 ? "gptq_v2" : "gptq");
            if (!overrides.isEmpty()) {
                n.set("dynamic", dynamicNode());
            }
            return n;
        }

        /** AutoGPTQ's {@code quantize_config.json}. */
        @Override
        public Map<String, ObjectNode> sideFiles() {
            ObjectNode n = JSON.createObjectNode().put("bits", bits).put("group_size", group)
                    .put("damp_percent", dampPercent).put("desc_act", descAct).put("static_groups", staticGroups)
                    .put("sym", sym).put("true_sequential", true);
            n.putNull("model_name_or_path");
            n.put("model_file_base_name", "model").put("quant_method", "gptq")
                    .put("checkpoint_format", v2 ? "gptq_v2" : "gptq");
            if (!overrides.isEmpty()) {
                n.set("dynamic", dynamicNode());
            }
            return Map.of("quantize_config.json", n);
        }

        @Override
        public boolean holds(StoredTensors t, String modulePath) {
            return t.contains(modulePath + ".qweight");
        }

        @Override
        public QuantizedMatrix read(StoredTensors t, String modulePath) {
            ModuleConfig c = configOf(modulePath);
            return GptqMatrix.read(t, modulePath, c.bits(), c.group(), sym, v2);
        }
    }

    /** AutoAWQ's {@code WQLinear_GEMM} layout (4 bits). */
    record Awq(int group, boolean zeroPoint) implements CommunityFormat {
        public Awq {
            if (group <= 0) {
                throw new IllegalArgumentException("AWQ group size must be positive, not " + group);
            }
        }

        @Override
        public ObjectNode quantizationConfig() {
            ObjectNode n = JSON.createObjectNode().put("quant_method", "awq").put("zero_point", zeroPoint)
                    .put("group_size", group).put("bits", 4).put("version", "gemm");
            n.putNull("modules_to_not_convert");
            return n;
        }

        /** AutoAWQ's {@code quant_config.json}. */
        @Override
        public Map<String, ObjectNode> sideFiles() {
            return Map.of("quant_config.json", JSON.createObjectNode().put("zero_point", zeroPoint)
                    .put("q_group_size", group).put("w_bit", 4).put("version", "GEMM"));
        }

        @Override
        public boolean holds(StoredTensors t, String modulePath) {
            return t.contains(modulePath + ".qweight");
        }

        @Override
        public QuantizedMatrix read(StoredTensors t, String modulePath) {
            return AwqMatrix.read(t, modulePath, group);
        }
    }

    /** transformers' bitsandbytes 4-bit serialization (nf4, double quantization, fp16 compute). */
    record BnbNf4() implements CommunityFormat {
        @Override
        public ObjectNode quantizationConfig() {
            return bnbConfig(true, 6.0);
        }

        @Override
        public Map<String, ObjectNode> sideFiles() {
            return Map.of();
        }

        @Override
        public boolean holds(StoredTensors t, String modulePath) {
            return t.contains(modulePath + ".weight.quant_state.bitsandbytes__nf4")
                    || t.contains(modulePath + ".weight.quant_state.bitsandbytes__fp4");
        }

        @Override
        public QuantizedMatrix read(StoredTensors t, String modulePath) {
            return Nf4Matrix.read(t, modulePath);
        }
    }

    /** transformers' bitsandbytes 8-bit serialization (LLM.int8 weights, outlier threshold {@code threshold}). */
    record BnbInt8(double threshold) implements CommunityFormat {
        @Override
        public ObjectNode quantizationConfig() {
            return bnbConfig(false, threshold);
        }

        @Override
        public Map<String, ObjectNode> sideFiles() {
            return Map.of();
        }

        @Override
        public boolean holds(StoredTensors t, String modulePath) {
            return t.contains(modulePath + ".SCB");
        }

        @Override
        public QuantizedMatrix read(StoredTensors t, String modulePath) {
            return Int8Matrix.read(t, modulePath);
        }
    }

    /** {@code BitsAndBytesConfig.to_dict()} for the original's two configs. */
    private static ObjectNode bnbConfig(boolean nf4, double threshold) {
        ObjectNode n = JSON.createObjectNode().put("_load_in_4bit", nf4).put("_load_in_8bit", !nf4)
                .put("bnb_4bit_compute_dtype", "float16").put("bnb_4bit_quant_storage", "uint8")
                .put("bnb_4bit_quant_type", nf4 ? "nf4" : "fp4").put("bnb_4bit_use_double_quant", nf4)
                .put("llm_int8_enable_fp32_cpu_offload", false).put("llm_int8_has_fp16_weight", false);
        n.putNull("llm_int8_skip_modules");
        n.put("llm_int8_threshold", threshold).put("load_in_4bit", nf4).put("load_in_8bit", !nf4)
                .put("quant_method", "bitsandbytes");
        return n;
    }
}
