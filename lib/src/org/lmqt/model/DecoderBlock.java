package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import java.util.List;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.device.ComputeDevice;

/**
 * One Llama-family decoder block: RMSNorm, grouped-query self-attention with rotary embeddings (HF rotate-half
 * layout), residual, RMSNorm, SwiGLU MLP, residual. Its parts can be run on their own ({@link #attention},
 * {@link #mlp}) and its linear layers swapped ({@link #withLinear}), which is what layer-wise calibration needs.
 */
public final class DecoderBlock {
    private final int index;
    private final DecoderConfig spec;
    private final ComputeDevice device;
    private final NDArray inputNorm;   // [hidden]
    private final NDArray postNorm;    // [hidden]
    private final List<LinearLayer> linears; // q, k, v, o, gate, up, down

    DecoderBlock(int index, DecoderConfig spec, ComputeDevice device, NDArray inputNorm, NDArray postNorm,
                 List<LinearLayer> linears) {
        if (linears.size() != 7) {
            throw new IllegalArgumentException("a decoder block has 7 linear layers, got " + linears.size());
        }
        this.index = index;
        this.spec = spec;
        this.device = device;
        this.inputNorm = inputNorm;
        this.postNorm = postNorm;
        this.linears = List.copyOf(linears);
    }

    /** The modules in the order of {@link #linears()}. */
    public static final List<String> MODULES = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

    /** Block index. */
    public int index() {
        return index;
    }

    /** The linear layers: q, k, v, o, gate, up, down. */
    public List<LinearLayer> linears() {
        return linears;
    }

    /** The linear layer of {@code module} ({@code self_attn.q_proj}, ...). */
    public LinearLayer linear(String module) {
        int i = MODULES.indexOf(module);
        if (i < 0) {
            throw new IllegalArgumentException("no module " + module + " in a decoder block (" + MODULES + ")");
        }
        return linears.get(i);
    }

    /** The same block with {@code layer} in place of the layer of the same module; the rest is shared. */
    public DecoderBlock withLinear(LinearLayer layer) {
        int i = MODULES.indexOf(layer.key().module());
        if (i < 0 || layer.key().layer() != index) {
            throw new IllegalArgumentException(layer.key() + " is not a linear layer of block " + index);
        }
        LinearLayer[] copy = linears.toArray(new LinearLayer[0]);
        copy[i] = layer;
        return new DecoderBlock(index, spec, device, inputNorm, postNorm, List.of(copy));
    }

    /**
     * The same block with other norm weights ({@code [hidden]} each, in the device's type); the linears are shared.
     * Layer-wise distillation trains a block through this and {@link #withLinear}.
     */
    public DecoderBlock withNorms(NDArray inputNormWeight, NDArray postNormWeight) {
        return new DecoderBlock(index, spec, device, inputNormWeight, postNormWeight, linears);
    }

    /** The whole block: {@code x [T, hidden] -> [T, hidden]}; the cache (may be null) grows by {@code T}. */
    public NDArray forward(NDArray x, Positions pos, KvCache cache, List<ForwardHook> hooks) {
        // attention with pre-norm and residual
        NDArray h = x.add(attention(inputNorm(x), pos, cache, hooks));              // [T, hidden]
        // SwiGLU MLP with pre-norm and residual
        return h.add(mlp(postNorm(h), hooks));                                      // [T, hidden]
    }

    /** {@code input_layernorm(x)}, {@code [T, hidden]}. */
    public NDArray inputNorm(NDArray x) {
        return rmsNorm(x, inputNorm, spec.config().rmsNormEps(), device);
    }

    /** {@code post_attention_layernorm(x)}, {@code [T, hidden]}. */
    public NDArray postNorm(NDArray x) {
        return rmsNorm(x, postNorm, spec.config().rmsNormEps(), device);
    }

    /** Self-attention of the normed input {@code a [T, hidden]}, o_proj included: {@code [T, hidden]}. */
    public NDArray attention(NDArray a, Positions pos, KvCache cache, List<ForwardHook> hooks) {
        ModelConfig c = spec.config();
        int t = pos.length();
        int heads = c.numHeads();
        int kvHeads = c.numKvHeads();
        int d = c.headDim();
        int group = spec.groupSize();
        int total = pos.past() + t;
        a = partInput(BlockPart.ATTN_IN, a, hooks);                                  // [T, hidden]
        // q/k/v projections, heads first
        NDArray q = project(0, a, hooks).reshape(t, heads, d).transpose(1, 0, 2);   // [H, T, d]
        NDArray kPre = project(1, a, hooks).reshape(t, kvHeads, d).transpose(1, 0, 2); // [KV, T, d]
        NDArray v = project(2, a, hooks).reshape(t, kvHeads, d).transpose(1, 0, 2); // [KV, T, d]
        // rotary position embedding (rotate-half layout)
        q = rope(q, pos.cos(), pos.sin());                                           // [H, T, d]
        NDArray k = rope(kPre, pos.cos(), pos.sin());                                // [KV, T, d]
        for (ForwardHook hook : hooks) {
            k = hook.keys(index, k);
            v = hook.values(index, v);
        }
        // keys and values of earlier positions from the cache; its policy decides what attention reads (a KV-cache
        // quantization method sees the keys before RoPE too, and can re-apply this call's RoPE)
        if (cache != null) {
            NDArray[] kv = cache.append(index, kPre, k, v, x -> rope(x, pos.cos(), pos.sin()));
            k = kv[0];                                                               // [KV, total, d]
            v = kv[1];                                                               // [KV, total, d]
        }
        for (ForwardHook hook : hooks) {
            q = hook.attnMatmulInput(index, ForwardHook.AttnOperand.QUERY, q);     // [H, T, d]
            k = hook.attnMatmulInput(index, ForwardHook.AttnOperand.KEY, k);       // [KV, total, d]
        }
        // grouped-query attention: the `group` query heads of KV head j are heads j*group .. j*group+group-1
        // (the score chain works in place: at T = 1024 each [heads, T, total] array is tens of MB)
        NDArray qg = q.reshape(kvHeads, (long) group * t, d);                        // [KV, group*T, d]
        NDArray raw = qg.matMul(k.transpose(0, 2, 1)).muli(1.0 / Math.sqrt(d));     // [KV, group*T, total]
        NDArray scores = raw.reshape(kvHeads, group, t, total).toType(DataType.FLOAT32, false) // [KV, group, T, total]
                .addi(pos.mask());
        NDArray probs = scores.softmax(-1).toType(device.weightType(), false);       // [KV, group, T, total]
        if (scores != raw) {
            scores.close();
        }
        raw.close();
        for (ForwardHook hook : hooks) {
            probs = hook.attnMatmulInput(index, ForwardHook.AttnOperand.PROBS, probs); // [KV, group, T, total]
            v = hook.attnMatmulInput(index, ForwardHook.AttnOperand.VALUE, v);       // [KV, total, d]
        }
        NDArray ctx = probs.reshape(kvHeads, (long) group * t, total).matMul(v)      // [KV, group*T, d]
                .reshape(heads, t, d).transpose(1, 0, 2).reshape(t, (long) heads * d); // [T, H*d]
        // output projection
        return project(3, partInput(BlockPart.ATTN_OUT, ctx, hooks), hooks);        // [T, hidden]
    }

    /** SwiGLU MLP of the normed input {@code m [T, hidden]}: {@code down(silu(gate m) * up m)}, {@code [T, hidden]}. */
    public NDArray mlp(NDArray m, List<ForwardHook> hooks) {
        m = partInput(BlockPart.MLP_GATE, m, hooks);                                 // [T, hidden]
        NDArray gated = silu(project(4, m, hooks)).mul(project(5, m, hooks));       // [T, inter]
        return project(6, partInput(BlockPart.MLP_DOWN, gated, hooks), hooks);      // [T, hidden]
    }

    private NDArray partInput(BlockPart part, NDArray x, List<ForwardHook> hooks) {
        for (ForwardHook hook : hooks) {
            x = hook.partInput(index, part, x);
        }
        return x;
    }

    /** Linear layer {@code i} of {@link #MODULES} with its hooks. */
    private NDArray project(int i, NDArray x, List<ForwardHook> hooks) {
        LinearLayer l = linears.get(i);
        for (ForwardHook hook : hooks) {
            x = hook.linearInput(l.key(), x);
        }
        NDArray y = l.forward(x);                                                    // [T, out]
        for (ForwardHook hook : hooks) {
            y = hook.linearOutput(l.key(), y);
        }
        return y;
    }

    /** RMSNorm in float32, result in the device type: {@code w * x / sqrt(mean(x^2) + eps)}. */
    static NDArray rmsNorm(NDArray x, NDArray weight, double eps, ComputeDevice device) {
        NDArray x32 = x.toType(DataType.FLOAT32, false);                             // [T, hidden]
        NDArray ms = x32.square().mean(new int[] {-1}, true);                        // [T, 1]
        NDArray normed = x32.div(ms.add(eps).sqrt());                                // [T, hidden]
        return normed.toType(device.weightType(), false).mul(weight);                // [T, hidden]
    }

    /** SiLU {@code x * sigmoid(x)}. */
    private static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /** {@code x * cos + rotate_half(x) * sin} with {@code rotate_half([a, b]) = [-b, a]} on the last axis. */
    private static NDArray rope(NDArray x, NDArray cosT, NDArray sinT) {
        long d = x.getShape().get(2);
        NDArray first = x.get(":, :, :" + d / 2);                                    // [heads, T, d/2]
        NDArray second = x.get(":, :, " + d / 2 + ":");                              // [heads, T, d/2]
        NDArray rotated = second.neg().concat(first, -1);                            // [heads, T, d]
        return x.mul(cosT).add(rotated.mul(sinT));                                   // [heads, T, d]
    }

    /** Bytes of the block's arrays on the device. */
    long deviceBytes() {
        return LinearFactory.bytes(inputNorm) + LinearFactory.bytes(postNorm)
                + linears.stream().mapToLong(LinearLayer::deviceBytes).sum();
    }
}
