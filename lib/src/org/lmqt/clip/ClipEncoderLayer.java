package org.lmqt.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.LinearFactory;
import org.lmqt.model.LinearLayer;

/**
 * One pre-norm CLIP encoder layer: {@code x += out_proj(attn(layer_norm1(x)))}, {@code x += fc2(act(fc1(
 * layer_norm2(x))))}, attention {@code softmax(q k^T / sqrt(d) + mask) v} with heads split from the width. The six
 * linears come from a {@link LinearFactory}, keyed {@code <tower>.attn.q_proj}, ..., {@code <tower>.mlp.c_proj}.
 *
 * @param tower   the tower's shape
 * @param device  where the arrays live
 * @param norm1   {@code layer_norm1} / {@code ln_1} weight and bias, {@code [2][D]}
 * @param norm2   {@code layer_norm2} / {@code ln_2} weight and bias
 * @param linears q, k, v, out, fc1 (c_fc), fc2 (c_proj)
 */
record ClipEncoderLayer(ClipTower tower, ComputeDevice device, NDArray[] norm1, NDArray[] norm2,
                        List<LinearLayer> linears) {
    /** Module names inside a tower, in the order of {@link #linears}. */
    static final List<String> MODULES = List.of("attn.q_proj", "attn.k_proj", "attn.v_proj", "attn.out_proj",
            "mlp.c_fc", "mlp.c_proj");

    ClipEncoderLayer {
        linears = List.copyOf(linears);
        if (linears.size() != MODULES.size()) {
            throw new IllegalArgumentException("a CLIP layer has " + MODULES.size() + " linears, got " + linears.size());
        }
    }

    /** {@code x [B, T, D] -> [B, T, D]}; {@code mask [T, T]} additive, or null (vision). */
    NDArray forward(NDArray x, NDArray mask) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int d = tower.width();
        // attention with pre-norm and residual
        NDArray a = layerNorm(x, norm1, tower.eps(), device).reshape(b * t, d);     // [B*T, D]
        NDArray attn = linears.get(3).forward(attention(a, b, t, mask));             // [B*T, D]
        NDArray h = x.add(attn.reshape(b, t, d));                                    // [B, T, D]
        // MLP with pre-norm and residual
        NDArray m = layerNorm(h, norm2, tower.eps(), device).reshape(b * t, d);     // [B*T, D]
        NDArray up = tower.act().apply(linears.get(4).forward(m));                   // [B*T, mlp]
        return h.add(linears.get(5).forward(up).reshape(b, t, d));                  // [B, T, D]
    }

    /** Multi-head attention of the normed input {@code a [B*T, D]}, before out_proj: {@code [B*T, D]}. */
    private NDArray attention(NDArray a, long b, long t, NDArray mask) {
        int heads = tower.heads();
        int hd = tower.headDim();
        // q/k/v projections, heads split from the width
        NDArray q = linears.get(0).forward(a).reshape(b, t, heads, hd).transpose(0, 2, 1, 3); // [B, H, T, d]
        NDArray k = linears.get(1).forward(a).reshape(b, t, heads, hd).transpose(0, 2, 1, 3); // [B, H, T, d]
        NDArray v = linears.get(2).forward(a).reshape(b, t, heads, hd).transpose(0, 2, 1, 3); // [B, H, T, d]
        // scaled scores, causal mask (text), softmax in float32
        NDArray scores = q.mul(1.0 / Math.sqrt(hd)).matMul(k.transpose(0, 1, 3, 2))          // [B, H, T, T]
                .toType(DataType.FLOAT32, false);
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray probs = scores.softmax(-1).toType(device.weightType(), false);               // [B, H, T, T]
        // weighted values, heads merged back
        return probs.matMul(v).transpose(0, 2, 1, 3).reshape(b * t, (long) heads * hd);      // [B*T, D]
    }

    /** LayerNorm over the last axis in float32 (population variance), result in the device type. */
    static NDArray layerNorm(NDArray x, NDArray[] weightBias, double eps, ComputeDevice device) {
        NDArray x32 = x.toType(DataType.FLOAT32, false);                                     // [..., D]
        NDArray centred = x32.sub(x32.mean(new int[] {-1}, true));                           // [..., D]
        NDArray var = centred.square().mean(new int[] {-1}, true);                           // [..., 1]
        NDArray normed = centred.div(var.add(eps).sqrt());                                   // [..., D]
        return normed.toType(device.weightType(), false).mul(weightBias[0]).add(weightBias[1]);
    }

    /** Bytes of the layer's arrays on the device. */
    long deviceBytes() {
        return LinearFactory.bytes(norm1[0]) + LinearFactory.bytes(norm1[1]) + LinearFactory.bytes(norm2[0])
                + LinearFactory.bytes(norm2[1]) + linears.stream().mapToLong(LinearLayer::deviceBytes).sum();
    }
}
