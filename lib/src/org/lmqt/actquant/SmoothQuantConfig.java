package org.lmqt.actquant;

import java.util.Locale;

/**
 * A SmoothQuant run: smoothing strength and the W8A8 scheme (act-kv-methods-spec §1). Config names:
 * {@code w8a8} (per-channel int8 weights, per-token dynamic activations: {@code quantize_llama_like}'s default),
 * {@code w8a8-tensor} (per-tensor dynamic activations), {@code w8a8-static} (per-tensor weights, static per-tensor
 * activations calibrated on the smoothed model: torch-int), {@code w8a8-qli} (qllm-infer: asymmetric min-max int8
 * per row and per token), each with an optional {@code -a<alpha>} (default 0.5) and {@code -inplace} (the reference's
 * in-place quantization of the shared q/k/v and gate/up input) and {@code -attn} (qllm-infer's quantization of the
 * attention matmul inputs Q·Kᵀ and P·V: asymmetric min-max, 8 bits, act-kv-methods-spec §1.4).
 *
 * @param alpha            migration strength in [0, 1]
 * @param scheme           weight and activation quantization
 * @param sharedInputQuirk reproduce the reference's in-place quantization
 * @param attnMatmul       also quantize the inputs of attention's two matmuls as qllm-infer does
 */
public record SmoothQuantConfig(double alpha, Scheme scheme, boolean sharedInputQuirk, boolean attnMatmul) {

    /** Weight and activation quantization after smoothing. */
    public enum Scheme {
        /** Per-channel absmax weights, per-token dynamic activations. */
        PER_TOKEN,
        /** Per-channel absmax weights, per-tensor dynamic activations. */
        PER_TENSOR,
        /** Per-tensor absmax weights, static per-tensor activations (torch-int clamping). */
        STATIC,
        /** qllm-infer's asymmetric min-max int8 weights (per row) and activations (per token). */
        QLI
    }

    public SmoothQuantConfig {
        org.lmqt.quant.smoothquant.Smoothing.checkAlpha(alpha);
    }

    /** Without the attention matmul quantization. */
    public SmoothQuantConfig(double alpha, Scheme scheme, boolean sharedInputQuirk) {
        this(alpha, scheme, sharedInputQuirk, false);
    }

    /** Bits of qllm-infer's attention matmul quantization ({@code bits_a} of its W8A8 runs). */
    public static final int ATTN_MATMUL_BITS = 8;

    /** Parses a config name; a one-line {@link IllegalArgumentException} for a bad one (alpha outside [0, 1]). */
    public static SmoothQuantConfig parse(String name) {
        String[] parts = name.trim().toLowerCase(Locale.ROOT).split("-");
        if (!parts[0].equals("w8a8")) {
            throw new IllegalArgumentException("not a SmoothQuant config: '" + name + "' (expected w8a8[-tensor|-static"
                    + "|-qli][-a<alpha>][-inplace][-attn])");
        }
        double alpha = 0.5;
        Scheme scheme = Scheme.PER_TOKEN;
        boolean inplace = false;
        boolean attn = false;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            switch (p) {
                case "tensor" -> scheme = Scheme.PER_TENSOR;
                case "static" -> scheme = Scheme.STATIC;
                case "qli" -> scheme = Scheme.QLI;
                case "inplace" -> inplace = true;
                case "attn" -> attn = true;
                default -> {
                    if (!p.matches("a\\d*\\.?\\d+")) {
                        throw new IllegalArgumentException("not a SmoothQuant config: '" + name + "' (unknown part '"
                                + p + "'; expected w8a8[-tensor|-static|-qli][-a<alpha>][-inplace][-attn])");
                    }
                    alpha = Double.parseDouble(p.substring(1));
                }
            }
        }
        return new SmoothQuantConfig(alpha, scheme, inplace, attn);
    }

    /** True when {@code name} has SmoothQuant's shape ({@code w8a8...}), valid or not. */
    public static boolean looksLike(String name) {
        return name.trim().toLowerCase(Locale.ROOT).matches("w8a8(-.*)?");
    }

    /** The canonical name ({@code w8a8-static-a0.85}). */
    public String name() {
        String s = switch (scheme) {
            case PER_TOKEN -> "w8a8";
            case PER_TENSOR -> "w8a8-tensor";
            case STATIC -> "w8a8-static";
            case QLI -> "w8a8-qli";
        };
        return s + (alpha == 0.5 ? "" : "-a" + org.lmqt.io.PyFloat.repr(alpha)) + (sharedInputQuirk ? "-inplace" : "")
                + (attnMatmul ? "-attn" : "");
    }
}
