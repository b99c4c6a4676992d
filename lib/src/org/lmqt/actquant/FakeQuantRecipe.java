package org.lmqt.actquant;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.model.DecoderBlock;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.FakeQuantMatrix;
import org.lmqt.quant.act.ActFormat;
import org.lmqt.quant.act.FakeQuantFormats;
import org.lmqt.quant.act.WeightQuantFormat;

/**
 * A data-free fake-quantization method: a weight format per linear (or none) and an activation format (or none).
 * The harness's {@code zeroquant}, {@code fp8}, {@code fp4}, {@code mxfp8} and {@code mxfp4} configs are recipes.
 *
 * @param name        the config name
 * @param weights     the weight format of each linear (empty: left as it is)
 * @param activations the activation format of every linear's input, if any
 */
public record FakeQuantRecipe(String name, Function<MatrixKey, Optional<WeightQuantFormat>> weights,
                              Optional<ActFormat> activations) {

    /** The float-format families of the harness. */
    public enum FloatFamily {
        /** LLMC FloatQuantizer, e4m3 / e5m2. */
        FP8(List.of("e4m3", "e5m2")),
        /** LLMC FloatQuantizer, e2m1. */
        FP4(List.of("e2m1")),
        /** microxcaling MXFP8, e4m3 / e5m2 elements. */
        MXFP8(List.of("e4m3", "e5m2")),
        /** microxcaling MXFP4, e2m1 elements. */
        MXFP4(List.of("e2m1"));

        private final List<String> elements;

        FloatFamily(List<String> elements) {
            this.elements = elements;
        }

        boolean isMx() {
            return this == MXFP8 || this == MXFP4;
        }
    }

    /**
     * ZeroQuant as qllm-infer runs it through DeepSpeed (act-kv-methods-spec §4.1): {@code qli} = attention weights
     * 8-bit and MLP weights 4-bit symmetric in 4096 row-major groups, inputs 8-bit symmetric per token; {@code w8a8}
     * and {@code w4a8} = every weight 8-bit / 4-bit with one group per row; {@code -g<N>} sets the group count;
     * a final {@code -lkd} asks for layer-wise knowledge distillation (the recipe is the same; see
     * {@link org.lmqt.lkd.LayerDistillation}).
     */
    public static FakeQuantRecipe zeroquant(String config) {
        String c = config.trim().toLowerCase(Locale.ROOT);
        String[] parts = withoutLkd(c).split("-");
        String groups = parts.length == 2 && parts[1].matches("g\\d+") ? "-" + parts[1] : "";
        if (parts.length > 2 || (parts.length == 2 && groups.isEmpty())) {
            throw new IllegalArgumentException(unknownZeroQuant(config));
        }
        ActFormat act = FakeQuantFormats.activation("zq-int8");
        return switch (parts[0]) {
            case "qli" -> {
                String g = groups.isEmpty() ? "-g4096" : groups;
                WeightQuantFormat attn = FakeQuantFormats.weight("zq-int8" + g);
                WeightQuantFormat mlp = FakeQuantFormats.weight("zq-int4" + g);
                yield new FakeQuantRecipe(c, k -> Optional.of(k.module().startsWith("self_attn") ? attn : mlp),
                        Optional.of(act));
            }
            case "w8a8", "w4a8" -> {
                WeightQuantFormat w = FakeQuantFormats.weight((parts[0].equals("w8a8") ? "zq-int8" : "zq-int4") + groups);
                yield new FakeQuantRecipe(c, k -> Optional.of(w), Optional.of(act));
            }
            default -> throw new IllegalArgumentException(unknownZeroQuant(config));
        };
    }

    private static String unknownZeroQuant(String config) {
        return "not a ZeroQuant config: '" + config + "' (expected qli, w8a8 or w4a8, optionally -g<groups>, and -lkd "
                + "for layer-wise knowledge distillation)";
    }

    /** True when a ZeroQuant config asks for layer-wise knowledge distillation ({@code qli-lkd}, {@code w4a8-g8-lkd}). */
    public static boolean isLkd(String config) {
        return config.trim().toLowerCase(Locale.ROOT).endsWith("-lkd");
    }

    private static String withoutLkd(String c) {
        return isLkd(c) ? c.substring(0, c.length() - "-lkd".length()) : c;
    }

    /**
     * A float-format config: the element ({@code e4m3}, ...) with {@code -w} for weights only (activations left in
     * the model's precision), {@code -qtorch} (LLMC's qtorch path) and {@code -g<N>} (per group of N, weights) for
     * FP8/FP4, {@code -even} (round half to even) for MX. FP8/FP4 quantize weights per channel and activations per
     * token (LLMC's {@code rtn_we4m3ae4m3}); MX blocks of 32 along the input features.
     */
    public static FakeQuantRecipe floats(FloatFamily family, String config) {
        String c = config.trim().toLowerCase(Locale.ROOT);
        List<String> parts = Arrays.asList(c.split("-"));
        if (!family.elements.contains(parts.getFirst())) {
            throw new IllegalArgumentException("not a " + family.name().toLowerCase(Locale.ROOT) + " config: '" + config
                    + "' (elements: " + family.elements + ", suffixes " + (family.isMx() ? "-even" : "-qtorch, -g<N>")
                    + ", -w for weights only)");
        }
        boolean weightsOnly = parts.contains("w");
        List<String> flags = parts.subList(1, parts.size()).stream().filter(p -> !p.equals("w")).toList();
        String prefix = family.isMx() ? (family == FloatFamily.MXFP8 ? "mxfp8-" : "mxfp4-") : "";
        String weightName = prefix + String.join("-", java.util.stream.Stream.concat(
                java.util.stream.Stream.of(parts.getFirst()), flags.stream()).toList());
        String actName = prefix + String.join("-", java.util.stream.Stream.concat(
                java.util.stream.Stream.of(parts.getFirst()), flags.stream().filter(f -> !f.matches("g\\d+"))).toList());
        try {
            WeightQuantFormat w = FakeQuantFormats.weight(weightName);
            Optional<ActFormat> a = weightsOnly ? Optional.empty() : Optional.of(FakeQuantFormats.activation(actName));
            return new FakeQuantRecipe(c, k -> Optional.of(w), a);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a " + family.name().toLowerCase(Locale.ROOT) + " config: '"
                    + config + "' (" + e.getMessage() + ")");
        }
    }

    /** Every linear of the model's {@code layers} blocks whose recipe has a weight format, fake-quantized. */
    public Map<MatrixKey, FakeQuantMatrix> quantizeWeights(WeightSource source, int layers) {
        Map<MatrixKey, FakeQuantMatrix> out = new LinkedHashMap<>();
        for (int i = 0; i < layers; i++) {
            for (String module : DecoderBlock.MODULES) {
                MatrixKey k = new MatrixKey(i, module);
                Optional<WeightQuantFormat> f = weights.apply(k);
                if (f.isPresent()) {
                    var t = source.tensor(k.weightName(source.family()));        // [out, in]
                    try {
                        out.put(k, f.get().quantize(t.data(), t.rows(), t.cols()));
                    } catch (IllegalArgumentException e) {
                        throw new org.lmqt.cli.UserException(name + ": " + k.id() + " " + Arrays.toString(t.shape())
                                + ": " + e.getMessage());
                    }
                }
            }
        }
        return out;
    }
}
