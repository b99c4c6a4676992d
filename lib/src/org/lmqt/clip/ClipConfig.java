package org.lmqt.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.lmqt.cli.UserException;

/**
 * A CLIP model's shape, read from either layout's config: Hugging Face {@code config.json} ({@code vision_config},
 * {@code text_config}, missing keys defaulted as {@code CLIPVisionConfig}/{@code CLIPTextConfig} do) or open_clip's
 * {@code open_clip_config.json} ({@code model_cfg}, {@code preprocess_cfg}).
 *
 * @param vision        the vision transformer
 * @param imageSize     input side in pixels (square)
 * @param patchSize     patch side in pixels (the conv's kernel and stride)
 * @param text          the text transformer
 * @param vocabSize     token vocabulary
 * @param contextLength text positions
 * @param eosTokenId    end-of-text id (pooled position under {@link TextPooling#FIRST_EOS})
 * @param pooling       how the text output is pooled
 * @param projectionDim width of the joint embedding
 * @param mean          per-channel normalisation mean of the image preprocessing
 * @param std           per-channel normalisation standard deviation
 * @param layout        the layout the config was read from
 */
public record ClipConfig(ClipTower vision, int imageSize, int patchSize, ClipTower text, int vocabSize,
                         int contextLength, int eosTokenId, TextPooling pooling, int projectionDim, float[] mean,
                         float[] std, ClipLayout layout) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** OpenAI CLIP's normalisation (the default of HF's CLIP image processor and of open_clip). */
    static final float[] OPENAI_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    static final float[] OPENAI_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    public ClipConfig {
        if (imageSize <= 0 || patchSize <= 0 || imageSize % patchSize != 0) {
            throw new IllegalArgumentException("CLIP image size " + imageSize + " is not a positive multiple of the "
                    + "patch size " + patchSize);
        }
        if (vocabSize <= 0 || contextLength <= 0 || projectionDim <= 0) {
            throw new IllegalArgumentException("CLIP vocab, context length and projection must be positive");
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("CLIP mean and std need 3 channels, got " + Arrays.toString(mean)
                    + " and " + Arrays.toString(std));
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** Patches per image side. */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Vision tokens: the class token and one per patch. */
    public int visionTokens() {
        return gridSize() * gridSize() + 1;
    }

    /** The per-channel mean (a copy). */
    @Override
    public float[] mean() {
        return mean.clone();
    }

    /** The per-channel standard deviation (a copy). */
    @Override
    public float[] std() {
        return std.clone();
    }

    /** Reads the config of {@code dir} in {@code layout}. */
    public static ClipConfig read(Path dir, ClipLayout layout) {
        Path file = dir.resolve(layout.configFile());
        JsonNode n = readJson(file);
        return layout == ClipLayout.HF ? fromHf(n, dir, file.toString()) : fromOpenClip(n, file.toString());
    }

    /** True when {@code file} is a Hugging Face CLIP config ({@code model_type} clip or a CLIPModel architecture). */
    static boolean isHfClipConfig(Path file) {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null) {
                return false;
            }
            boolean arch = false;
            for (JsonNode a : n.path("architectures")) {
                arch |= a.asText().equals("CLIPModel");
            }
            return arch || n.path("model_type").asText("").equals("clip");
        } catch (IOException e) {
            return false;
        }
    }

    private static ClipConfig fromHf(JsonNode n, Path dir, String where) {
        if (!n.has("vision_config") || !n.has("text_config")) {
            throw new UserException(where + ": not a CLIP config (no vision_config/text_config)");
        }
        JsonNode v = n.get("vision_config");
        JsonNode t = n.get("text_config");
        ClipTower vision = new ClipTower(v.path("hidden_size").asInt(768), v.path("num_hidden_layers").asInt(12),
                v.path("num_attention_heads").asInt(12), v.path("intermediate_size").asInt(3072),
                ClipActivation.ofHf(v.path("hidden_act").asText("quick_gelu"), where),
                v.path("layer_norm_eps").asDouble(1e-5));
        ClipTower text = new ClipTower(t.path("hidden_size").asInt(512), t.path("num_hidden_layers").asInt(12),
                t.path("num_attention_heads").asInt(8), t.path("intermediate_size").asInt(2048),
                ClipActivation.ofHf(t.path("hidden_act").asText("quick_gelu"), where),
                t.path("layer_norm_eps").asDouble(1e-5));
        if (v.path("num_channels").asInt(3) != 3) {
            throw new UserException(where + ": only 3-channel CLIP images are supported");
        }
        int eos = t.path("eos_token_id").asInt(49407);
        // HF keeps argmax pooling for old configs with the wrong eos_token_id 2
        TextPooling pooling = eos == 2 ? TextPooling.ARGMAX : TextPooling.FIRST_EOS;
        float[][] norm = hfNormalisation(dir);
        return new ClipConfig(vision, v.path("image_size").asInt(224), v.path("patch_size").asInt(32), text,
                t.path("vocab_size").asInt(49408), t.path("max_position_embeddings").asInt(77), eos, pooling,
                n.path("projection_dim").asInt(512), norm[0], norm[1], ClipLayout.HF);
    }

    /** {@code image_mean}/{@code image_std} of {@code preprocessor_config.json} when present, else OpenAI's. */
    private static float[][] hfNormalisation(Path dir) {
        Path pre = dir.resolve("preprocessor_config.json");
        if (!Files.isRegularFile(pre)) {
            return new float[][] {OPENAI_MEAN, OPENAI_STD};
        }
        JsonNode p = readJson(pre);
        return new float[][] {floats(p.path("image_mean"), OPENAI_MEAN), floats(p.path("image_std"), OPENAI_STD)};
    }

    private static ClipConfig fromOpenClip(JsonNode root, String where) {
        JsonNode m = root.has("model_cfg") ? root.get("model_cfg") : root;
        if (!m.has("vision_cfg") || !m.has("text_cfg") || !m.has("embed_dim")) {
            throw new UserException(where + ": not an open_clip config (no model_cfg with embed_dim, vision_cfg, "
                    + "text_cfg)");
        }
        ClipActivation act = m.path("quick_gelu").asBoolean(false) ? ClipActivation.QUICK_GELU : ClipActivation.GELU;
        JsonNode v = m.get("vision_cfg");
        JsonNode t = m.get("text_cfg");
        int vWidth = v.path("width").asInt(768);
        int tWidth = t.path("width").asInt(512);
        ClipTower vision = new ClipTower(vWidth, v.path("layers").asInt(12), vWidth / v.path("head_width").asInt(64),
                (int) (vWidth * v.path("mlp_ratio").asDouble(4.0)), act, 1e-5);
        ClipTower text = new ClipTower(tWidth, t.path("layers").asInt(12), t.path("heads").asInt(8),
                (int) (tWidth * t.path("mlp_ratio").asDouble(4.0)), act, 1e-5);
        int vocab = t.path("vocab_size").asInt(49408);
        JsonNode pre = root.path("preprocess_cfg");
        return new ClipConfig(vision, side(v.path("image_size"), 224), side(v.path("patch_size"), 16), text, vocab,
                t.path("context_length").asInt(77), vocab - 1, TextPooling.ARGMAX, m.get("embed_dim").asInt(),
                floats(pre.path("mean"), OPENAI_MEAN), floats(pre.path("std"), OPENAI_STD), ClipLayout.OPEN_CLIP);
    }

    /** An open_clip size: a number, or a square {@code [h, w]} pair. */
    private static int side(JsonNode n, int fallback) {
        if (n.isArray()) {
            if (n.size() != 2 || n.get(0).asInt() != n.get(1).asInt()) {
                throw new UserException("open_clip_config.json: only square images and patches are supported, not " + n);
            }
            return n.get(0).asInt();
        }
        return n.isMissingNode() || n.isNull() ? fallback : n.asInt();
    }

    private static float[] floats(JsonNode a, float[] fallback) {
        if (!a.isArray()) {
            return fallback;
        }
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) a.get(i).asDouble();
        }
        return out;
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new UserException(file + ": invalid JSON (not an object)");
            }
            return n;
        } catch (IOException e) {
            throw new UserException(file + ": invalid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }
}
