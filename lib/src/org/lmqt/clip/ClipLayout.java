package org.lmqt.clip;

import java.nio.file.Files;
import java.nio.file.Path;
import org.lmqt.cli.UserException;

/**
 * The two ways a CLIP checkpoint is stored (a LAION hub repo carries both): Hugging Face {@code CLIPModel}
 * ({@code config.json} + {@code model.safetensors}) and open_clip's ({@code open_clip_config.json} +
 * {@code open_clip_model.safetensors}, the layout the original toolkit quantized).
 */
public enum ClipLayout {
    HF("config.json", "model.safetensors"),
    OPEN_CLIP("open_clip_config.json", "open_clip_model.safetensors");

    private final String configFile;
    private final String weightsFile;

    ClipLayout(String configFile, String weightsFile) {
        this.configFile = configFile;
        this.weightsFile = weightsFile;
    }

    /** The config file name in the folder. */
    public String configFile() {
        return configFile;
    }

    /** The safetensors file name in the folder. */
    public String weightsFile() {
        return weightsFile;
    }

    /** True when {@code dir} has this layout's config and weights. */
    public boolean presentIn(Path dir) {
        return Files.isRegularFile(dir.resolve(configFile)) && Files.isRegularFile(dir.resolve(weightsFile));
    }

    /**
     * The layout of a folder: open_clip's when present (what the original quantized), else Hugging Face's; a
     * one-line error when the folder has neither.
     */
    public static ClipLayout detect(Path dir) {
        if (OPEN_CLIP.presentIn(dir)) {
            return OPEN_CLIP;
        }
        if (HF.presentIn(dir) && ClipConfig.isHfClipConfig(dir.resolve(HF.configFile))) {
            return HF;
        }
        throw new UserException(dir + ": not a CLIP model folder (need open_clip_config.json with "
                + "open_clip_model.safetensors, or a CLIPModel config.json with model.safetensors)");
    }

    /** True when {@code dir} holds a CLIP model in either layout. */
    public static boolean isClipFolder(Path dir) {
        return OPEN_CLIP.presentIn(dir) || (HF.presentIn(dir) && ClipConfig.isHfClipConfig(dir.resolve(HF.configFile)));
    }

    /** Parses {@code hf} / {@code open_clip} (also {@code open-clip}). */
    public static ClipLayout parse(String s) {
        return switch (s.strip().toLowerCase(java.util.Locale.ROOT).replace('-', '_')) {
            case "hf" -> HF;
            case "open_clip", "openclip" -> OPEN_CLIP;
            default -> throw new UserException("unknown CLIP layout '" + s + "' (use hf or open_clip)");
        };
    }
}
