package org.lmqt.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import org.lmqt.cli.UserException;

/** The MLP activation of a CLIP tower. */
public enum ClipActivation {
    /** {@code x * sigmoid(1.702 x)} (OpenAI CLIP). */
    QUICK_GELU,
    /** Exact GELU {@code x * Phi(x)} with erf (the LAION ViT-B-32/L-14/H-14). */
    GELU;

    /** The activation applied element-wise. */
    public NDArray apply(NDArray x) {
        return this == QUICK_GELU ? x.mul(Activation.sigmoid(x.mul(1.702f))) : Activation.gelu(x);
    }

    /** From {@code hidden_act} of a Hugging Face config. */
    public static ClipActivation ofHf(String name, String where) {
        return switch (name) {
            case "quick_gelu" -> QUICK_GELU;
            case "gelu" -> GELU;
            default -> throw new UserException(where + ": unsupported hidden_act '" + name
                    + "' (CLIP uses quick_gelu or gelu)");
        };
    }
}
