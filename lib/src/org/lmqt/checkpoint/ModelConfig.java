package org.lmqt.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The fields of a Hugging Face {@code config.json} that lmqt uses (Llama family: Llama 2/3, Mistral, Qwen2).
 *
 * @param architectures      e.g. {@code [LlamaForCausalLM]}
 * @param modelType          {@code model_type}, e.g. {@code llama}
 * @param hiddenSize         width of the residual stream
 * @param intermediateSize   width of the MLP
 * @param numLayers          decoder blocks
 * @param numHeads           query heads
 * @param numKvHeads         key/value heads (equal to {@code numHeads} when the config omits it)
 * @param headDim            per-head width ({@code head_dim}, or hidden / heads)
 * @param vocabSize          vocabulary size
 * @param maxPositions       {@code max_position_embeddings}
 * @param rmsNormEps         RMSNorm epsilon
 * @param ropeTheta          RoPE base
 * @param tieWordEmbeddings  true when the output head reuses the token embedding
 * @param torchDtype         declared storage type ({@code bfloat16}, {@code float16}, ...), may be empty
 * @param json               the whole parsed file, for fields this record does not name ({@code rope_scaling}, ...)
 */
public record ModelConfig(List<String> architectures, String modelType, int hiddenSize, int intermediateSize,
                          int numLayers, int numHeads, int numKvHeads, int headDim, int vocabSize, int maxPositions,
                          double rmsNormEps, double ropeTheta, boolean tieWordEmbeddings, String torchDtype,
                          JsonNode json) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelConfig {
        architectures = List.copyOf(architectures);
        if (hiddenSize <= 0 || numLayers <= 0 || numHeads <= 0 || numKvHeads <= 0 || vocabSize <= 0) {
            throw new CheckpointException("config.json: hidden_size, num_hidden_layers, num_attention_heads, "
                    + "num_key_value_heads and vocab_size must be positive");
        }
        if (numHeads % numKvHeads != 0) {
            throw new CheckpointException("config.json: num_attention_heads (" + numHeads
                    + ") is not a multiple of num_key_value_heads (" + numKvHeads + ")");
        }
    }

    /** Reads {@code dir/config.json}. */
    public static ModelConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(dir + ": no config.json (not a Hugging Face model folder)");
        }
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": invalid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (n == null || !n.isObject()) {
            throw new CheckpointException(file + ": invalid JSON (not an object)");
        }
        return fromJson(n, file.toString());
    }

    /** Builds the record from a parsed {@code config.json}. */
    public static ModelConfig fromJson(JsonNode n, String where) {
        List<String> arch = new java.util.ArrayList<>();
        n.path("architectures").forEach(a -> arch.add(a.asText()));
        int hidden = requireInt(n, "hidden_size", where);
        int heads = requireInt(n, "num_attention_heads", where);
        int kv = n.has("num_key_value_heads") && !n.get("num_key_value_heads").isNull()
                ? n.get("num_key_value_heads").asInt() : heads;
        int headDim = n.has("head_dim") && !n.get("head_dim").isNull() ? n.get("head_dim").asInt() : hidden / heads;
        return new ModelConfig(arch, n.path("model_type").asText(""), hidden,
                requireInt(n, "intermediate_size", where), requireInt(n, "num_hidden_layers", where), heads, kv,
                headDim, requireInt(n, "vocab_size", where), n.path("max_position_embeddings").asInt(2048),
                n.path("rms_norm_eps").asDouble(1e-6), n.path("rope_theta").asDouble(10000.0),
                n.path("tie_word_embeddings").asBoolean(false), n.path("torch_dtype").asText(""), n);
    }

    private static int requireInt(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new CheckpointException(where + ": missing or non-integer '" + field + "'");
        }
        return v.asInt();
    }

    /** The first architecture name, or the model type when none is listed. */
    public String architecture() {
        return architectures.isEmpty() ? modelType : architectures.get(0);
    }

    /** {@code rope_scaling} when present and not null. */
    public Optional<JsonNode> ropeScaling() {
        JsonNode r = json.get("rope_scaling");
        return r == null || r.isNull() ? Optional.empty() : Optional.of(r);
    }
}
