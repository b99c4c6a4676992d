package org.lmqt.actquant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.model.ForwardHook;
import org.lmqt.model.LlamaModel;
import org.lmqt.quant.act.ActivationQuantizer;
import org.lmqt.quant.act.FakeQuantFormats;
import org.lmqt.quant.smoothquant.W8A8;

/**
 * What a fake-quantization method does to activations at run time, in a form a snapshot stores and reapplies: a
 * named {@code --act-quant} format for every linear input, or static per-tensor int8 steps per linear (SmoothQuant's
 * torch-int scheme), the reference's in-place quirk, and qllm-infer's quantization of the attention matmul inputs.
 *
 * @param format           the linear inputs' format ({@code int8}, {@code zq-int8}, {@code e4m3}, ...), if dynamic
 * @param staticSteps      static int8 steps per linear, when not empty (then {@code format} is empty)
 * @param sharedInputQuirk the reference SmoothQuant's in-place quantization of a shared input
 * @param attnMatmulBits   bits of qllm-infer's Q·Kᵀ and P·V input quantization, 0 for none
 */
public record ActivationRecipe(Optional<String> format, Map<MatrixKey, Float> staticSteps, boolean sharedInputQuirk,
                               int attnMatmulBits) {

    public ActivationRecipe {
        staticSteps = Map.copyOf(staticSteps);
        if (format.isPresent() && !staticSteps.isEmpty()) {
            throw new IllegalArgumentException("an activation recipe is dynamic (a format) or static (steps), not both");
        }
        format.ifPresent(FakeQuantFormats::activation);   // a one-line error for an unknown name
        if (attnMatmulBits != 0 && (attnMatmulBits < 2 || attnMatmulBits > 16)) {
            throw new IllegalArgumentException("attention matmul bits must be 2..16 (or 0 for none), got "
                    + attnMatmulBits);
        }
    }

    /** No activation quantization. */
    public static final ActivationRecipe NONE = new ActivationRecipe(Optional.empty(), Map.of(), false, 0);

    /** A dynamic format for every linear input. */
    public static ActivationRecipe of(String format) {
        return new ActivationRecipe(Optional.of(format), Map.of(), false, 0);
    }

    /** True when nothing is quantized. */
    public boolean isNone() {
        return format.isEmpty() && staticSteps.isEmpty() && attnMatmulBits == 0;
    }

    /** Bits of a quantized linear input (16 when the inputs stay in the model's precision). */
    public int bits() {
        return format.map(f -> FakeQuantFormats.activation(f).bits()).orElse(staticSteps.isEmpty() ? 16 : 8);
    }

    /** The linear inputs' quantizer, if any. */
    public Optional<ActivationQuantizer> quantizer() {
        if (format.isPresent()) {
            return Optional.of(FakeQuantFormats.activation(format.get()).quantizer());
        }
        if (!staticSteps.isEmpty()) {
            Map<MatrixKey, Float> s = staticSteps;
            return Optional.of((k, x, f) -> {
                Float step = s.get(k);
                if (step == null) {
                    throw new IllegalStateException("no static activation step for " + k.id());
                }
                return W8A8.activationStatic(x, step);
            });
        }
        return Optional.empty();
    }

    /** Hooks the recipe into {@code model}; closing the registration removes it. */
    public ForwardHook.Registration install(LlamaModel model) {
        List<ForwardHook.Registration> regs = new ArrayList<>();
        quantizer().ifPresent(q -> regs.add(model.addHook(new ActivationQuantHook(q, sharedInputQuirk))));
        if (attnMatmulBits > 0) {
            regs.add(model.addHook(new AttnMatmulQuantHook(attnMatmulBits)));
        }
        return () -> regs.reversed().forEach(ForwardHook.Registration::close);
    }

    /** The recipe as JSON (static steps as exact float32 values). */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        format.ifPresentOrElse(f -> o.put("format", f), () -> o.putNull("format"));
        ObjectNode steps = o.putObject("static_steps");
        new TreeMap<>(staticSteps).forEach((k, v) -> steps.put(k.id(), v.floatValue()));
        o.put("shared_input_quirk", sharedInputQuirk);
        o.put("attn_matmul_bits", attnMatmulBits);
        return o;
    }

    /** The inverse of {@link #toJson}. */
    public static ActivationRecipe fromJson(JsonNode o) {
        Optional<String> format = o.path("format").isTextual() ? Optional.of(o.get("format").asText())
                : Optional.empty();
        Map<MatrixKey, Float> steps = new TreeMap<>();
        o.path("static_steps").properties().forEach(e -> steps.put(MatrixKey.parse(e.getKey()),
                e.getValue().floatValue()));
        return new ActivationRecipe(format, steps, o.path("shared_input_quirk").asBoolean(false),
                o.path("attn_matmul_bits").asInt(0));
    }
}
