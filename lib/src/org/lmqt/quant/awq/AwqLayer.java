package org.lmqt.quant.awq;

import java.util.List;
import java.util.Map;

/**
 * One Llama / Qwen2 decoder layer's weights as AWQ sees them, float32 row-major {@code [out, in]}. Shapes (from the
 * lengths): {@code hidden = inputNorm.length}; q {@code [qOut, hidden]}; k, v {@code [kvOut, hidden]}; o
 * {@code [hidden, qOut]}; gate, up {@code [intermediate, hidden]}; down {@code [hidden, intermediate]}; both norms
 * {@code [hidden]}. The arrays are kept as given (not copied); AWQ's methods never modify them.
 */
public record AwqLayer(float[] inputNorm, float[] q, float[] k, float[] v, float[] o, float[] postNorm,
                       float[] gate, float[] up, float[] down) {
    /** The seven linears in the order AWQ visits them, with the HF names below a decoder layer. */
    public static final List<String> LINEARS = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

    public AwqLayer {
        int h = inputNorm.length;
        if (h == 0 || postNorm.length != h || q.length % h != 0 || k.length % h != 0 || gate.length % h != 0
                || q.length == 0 || k.length == 0 || gate.length == 0 || v.length != k.length
                || o.length != q.length || up.length != gate.length || down.length != gate.length) {
            throw new IllegalArgumentException("not a decoder layer: norms " + inputNorm.length + "/"
                    + postNorm.length + ", q " + q.length + ", k " + k.length + ", v " + v.length + ", o "
                    + o.length + ", gate " + gate.length + ", up " + up.length + ", down " + down.length);
        }
    }

    /** The model width. */
    public int hidden() {
        return inputNorm.length;
    }

    /** Outputs of q_proj (heads times head dimension). */
    public int qOut() {
        return q.length / hidden();
    }

    /** Outputs of k_proj and v_proj. */
    public int kvOut() {
        return k.length / hidden();
    }

    /** The MLP width. */
    public int intermediate() {
        return gate.length / hidden();
    }

    /** The weight of a linear named as in {@link #LINEARS}. */
    public float[] weight(String linear) {
        return switch (linear) {
            case "self_attn.q_proj" -> q;
            case "self_attn.k_proj" -> k;
            case "self_attn.v_proj" -> v;
            case "self_attn.o_proj" -> o;
            case "mlp.gate_proj" -> gate;
            case "mlp.up_proj" -> up;
            case "mlp.down_proj" -> down;
            default -> throw new IllegalArgumentException("no linear '" + linear + "' in a decoder layer " + LINEARS);
        };
    }

    /** {@code [out, in]} of a linear named as in {@link #LINEARS}. */
    public int[] shape(String linear) {
        return switch (linear) {
            case "self_attn.q_proj" -> new int[] {qOut(), hidden()};
            case "self_attn.k_proj", "self_attn.v_proj" -> new int[] {kvOut(), hidden()};
            case "self_attn.o_proj" -> new int[] {hidden(), qOut()};
            case "mlp.gate_proj", "mlp.up_proj" -> new int[] {intermediate(), hidden()};
            case "mlp.down_proj" -> new int[] {hidden(), intermediate()};
            default -> throw new IllegalArgumentException("no linear '" + linear + "' in a decoder layer " + LINEARS);
        };
    }

    /** A copy with the linears in {@code replaced} (names of {@link #LINEARS}) exchanged, the norms as given. */
    AwqLayer with(float[] inputNorm, float[] postNorm, Map<String, float[]> replaced) {
        return new AwqLayer(inputNorm, pick(replaced, "self_attn.q_proj"), pick(replaced, "self_attn.k_proj"),
                pick(replaced, "self_attn.v_proj"), pick(replaced, "self_attn.o_proj"), postNorm,
                pick(replaced, "mlp.gate_proj"), pick(replaced, "mlp.up_proj"), pick(replaced, "mlp.down_proj"));
    }

    private float[] pick(Map<String, float[]> replaced, String linear) {
        return replaced.getOrDefault(linear, weight(linear));
    }
}
