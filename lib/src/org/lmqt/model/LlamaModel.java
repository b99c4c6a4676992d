package org.lmqt.model;

import org.lmqt.device.Djl;
import org.lmqt.device.ComputeDevice;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.UserException;

/**
 * A Llama-family decoder (Llama 2/3, Mistral, Qwen2) built from DJL NDArray operations on the PyTorch engine: token
 * embedding, RMSNorm, rotary embedding in the HF rotate-half layout, grouped-query attention, SwiGLU MLP, tied or
 * untied output head. Batch size 1. Weights live on the {@link ComputeDevice} (float32 on CPU, float16 on CUDA).
 * <pre>{@code try (LlamaModel m = LlamaModel.load(WeightSource.of(Checkpoint.open(dir)), ComputeDevice.CPU)) {
 *     float[] logits = m.logits(new long[] {1, 5, 9});   // [3, vocab]
 * }}</pre>
 */
public final class LlamaModel implements AutoCloseable {
    private final DecoderConfig spec;
    private final ComputeDevice device;
    private final NDManager manager;
    private final NDArray embed;      // [vocab, hidden]
    private final List<DecoderLayer> layers;
    private final NDArray finalNorm;  // [hidden]
    private final NDArray lmHead;     // [vocab, hidden] (the embedding itself when tied)
    private final NDArray cos;        // [maxPositions, headDim]
    private final NDArray sin;        // [maxPositions, headDim]

    private LlamaModel(DecoderConfig spec, ComputeDevice device, NDManager manager, NDArray embed,
                       List<DecoderLayer> layers, NDArray finalNorm, NDArray lmHead, NDArray cos, NDArray sin) {
        this.spec = spec;
        this.device = device;
        this.manager = manager;
        this.embed = embed;
        this.layers = List.copyOf(layers);
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.cos = cos;
        this.sin = sin;
    }

    /** Loads all weights of {@code source} onto {@code device}; the source may be closed afterwards. */
    public static LlamaModel load(WeightSource source, ComputeDevice device) {
        ModelConfig c = source.config();
        DecoderConfig spec = DecoderConfig.of(c);
        ModelFamily fam = ModelFamily.LLAMA;
        NDManager manager = Djl.newManager(device);
        try {
            Loader l = new Loader(source, manager, device);
            NDArray embed = l.array("model.embed_tokens.weight", c.vocabSize(), c.hiddenSize());
            List<DecoderLayer> layers = new ArrayList<>();
            int qOut = c.numHeads() * c.headDim();
            int kvOut = c.numKvHeads() * c.headDim();
            for (int i = 0; i < c.numLayers(); i++) {
                String p = fam.layerPrefix() + i + ".";
                layers.add(new DecoderLayer(
                        l.array(p + "input_layernorm.weight", c.hiddenSize()),
                        l.linear(fam, i, "self_attn.q_proj", qOut, c.hiddenSize()),
                        l.linear(fam, i, "self_attn.k_proj", kvOut, c.hiddenSize()),
                        l.linear(fam, i, "self_attn.v_proj", kvOut, c.hiddenSize()),
                        l.linear(fam, i, "self_attn.o_proj", c.hiddenSize(), qOut),
                        l.array(p + "post_attention_layernorm.weight", c.hiddenSize()),
                        l.linear(fam, i, "mlp.gate_proj", c.intermediateSize(), c.hiddenSize()),
                        l.linear(fam, i, "mlp.up_proj", c.intermediateSize(), c.hiddenSize()),
                        l.linear(fam, i, "mlp.down_proj", c.hiddenSize(), c.intermediateSize())));
            }
            NDArray norm = l.array("model.norm.weight", c.hiddenSize());
            boolean tied = c.tieWordEmbeddings() || !source.contains("lm_head.weight");
            NDArray head = tied ? embed : l.array("lm_head.weight", c.vocabSize(), c.hiddenSize());
            float[][] tables = spec.rope().tables(c.maxPositions(), c.headDim());
            NDArray cos = manager.create(tables[0], new Shape(c.maxPositions(), c.headDim())); // [P, d] f32
            NDArray sin = manager.create(tables[1], new Shape(c.maxPositions(), c.headDim())); // [P, d] f32
            return new LlamaModel(spec, device, manager, embed, layers, norm, head, cos, sin);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Creates device arrays from source tensors, checking their shapes against the config. */
    private record Loader(WeightSource source, NDManager manager, ComputeDevice device) {
        NDArray array(String name, int... expectedShape) {
            Tensor t = source.tensor(name);
            if (!java.util.Arrays.equals(t.shape(), expectedShape)) {
                throw new UserException(name + " has shape " + java.util.Arrays.toString(t.shape())
                        + " but config.json implies " + java.util.Arrays.toString(expectedShape));
            }
            NDArray a = manager.create(t.data(), new Shape(toLong(t.shape())));
            if (device.weightType() == DataType.FLOAT32) {
                return a;
            }
            NDArray h = a.toType(device.weightType(), false);
            a.close();
            return h;
        }

        Linear linear(ModelFamily fam, int layer, String module, int out, int in) {
            String w = fam.weightName(layer, module);
            String b = w.substring(0, w.length() - "weight".length()) + "bias";
            return new Linear(array(w, out, in), source.contains(b) ? array(b, out) : null);
        }

        private static long[] toLong(int[] s) {
            long[] r = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                r[i] = s[i];
            }
            return r;
        }
    }

    /** The model's settings. */
    public DecoderConfig spec() {
        return spec;
    }

    /** The model's config. */
    public ModelConfig config() {
        return spec.config();
    }

    /** Where the model runs. */
    public ComputeDevice device() {
        return device;
    }

    /** Vocabulary size (rows of the output head). */
    public int vocabSize() {
        return spec.config().vocabSize();
    }

    /** A new, empty KV cache for {@link #forward(long[], KvCache)}. */
    public KvCache newCache() {
        return new KvCache(manager, layers.size());
    }

    /** Logits at every position of a full-sequence forward pass, float32 {@code [T, vocab]} row-major. */
    public float[] logits(long[] ids) {
        try (NDScope scope = new NDScope()) {
            return forward(ids, null).toFloatArray();
        }
    }

    /**
     * Natural-log negative log-likelihood of {@code ids[i+1]} given {@code ids[0..i]}, summed over the predicted
     * positions {@code i + 1 >= firstTarget} (the HF labels/-100 convention of the perplexity protocol).
     *
     * @return {@code {sum of NLL, number of predicted tokens}}
     */
    public double[] nll(long[] ids, int firstTarget) {
        int t = ids.length;
        int from = Math.max(firstTarget, 1);
        if (from >= t) {
            return new double[] {0, 0};
        }
        try (NDScope scope = new NDScope()) {
            NDArray logits = forward(ids, null);                                 // [T, V] f32
            NDArray pred = logits.get(new NDIndex((from - 1) + ":" + (t - 1)));  // [n, V] predicting ids[from..T-1]
            NDArray logp = pred.logSoftmax(-1);                                  // [n, V]
            long[] targets = java.util.Arrays.copyOfRange(ids, from, t);
            NDArray tgt = logits.getManager().create(targets, new Shape(targets.length, 1)); // [n, 1]
            NDArray picked = logp.gather(tgt, 1);                                // [n, 1]
            double sum = -picked.sum().toType(DataType.FLOAT64, false).getDouble();
            return new double[] {sum, t - from};
        }
    }

    /**
     * Forward pass of {@code ids} at positions following the cache's (or from 0 without a cache). The returned
     * logits, float32 {@code [T, vocab]}, belong to the caller's {@link NDScope}; the cache grows by {@code T}.
     */
    public NDArray forward(long[] ids, KvCache cache) {
        ModelConfig c = spec.config();
        int t = ids.length;
        int past = cache == null ? 0 : cache.length();
        if (t == 0) {
            throw new UserException("empty input: no tokens to run");
        }
        if (past + t > c.maxPositions()) {
            throw new UserException("sequence of " + (past + t) + " tokens is longer than the model's "
                    + c.maxPositions() + " positions (max_position_embeddings)");
        }
        for (long id : ids) {
            if (id < 0 || id >= c.vocabSize()) {
                throw new UserException("token id " + id + " is outside the model's vocabulary of " + c.vocabSize());
            }
        }
        int heads = c.numHeads();
        int kvHeads = c.numKvHeads();
        int d = c.headDim();
        int group = spec.groupSize();
        int total = past + t;
        // embedding lookup
        NDArray x = embed.get(manager.create(ids));                                  // [T, hidden]
        // rotary tables for positions past..total-1, and the causal (optionally sliding-window) mask
        NDArray cosT = cos.get(past + ":" + total).toType(device.weightType(), false); // [T, d]
        NDArray sinT = sin.get(past + ":" + total).toType(device.weightType(), false); // [T, d]
        NDArray mask = manager.create(causalMask(t, past, spec.slidingWindow()), new Shape(t, total)); // [T, total]
        double scale = 1.0 / Math.sqrt(d);
        for (int li = 0; li < layers.size(); li++) {
            DecoderLayer layer = layers.get(li);
            // attention: pre-norm and q/k/v projections
            NDArray a = rmsNorm(x, layer.inputNorm());                                 // [T, hidden]
            NDArray q = layer.q().apply(a).reshape(t, heads, d).transpose(1, 0, 2);    // [H, T, d]
            NDArray k = layer.k().apply(a).reshape(t, kvHeads, d).transpose(1, 0, 2);  // [KV, T, d]
            NDArray v = layer.v().apply(a).reshape(t, kvHeads, d).transpose(1, 0, 2);  // [KV, T, d]
            // rotary position embedding (rotate-half layout)
            q = rope(q, cosT, sinT);                                                   // [H, T, d]
            k = rope(k, cosT, sinT);                                                   // [KV, T, d]
            // keys and values of earlier positions from the cache
            if (cache != null) {
                NDArray[] kv = cache.append(li, k, v);
                k = kv[0];                                                             // [KV, total, d]
                v = kv[1];                                                             // [KV, total, d]
            }
            // grouped-query attention: the `group` query heads of KV head j are heads j*group .. j*group+group-1
            NDArray qg = q.reshape(kvHeads, (long) group * t, d);                      // [KV, group*T, d]
            NDArray scores = qg.matMul(k.transpose(0, 2, 1)).mul(scale)               // [KV, group*T, total]
                    .reshape(kvHeads, group, t, total).toType(DataType.FLOAT32, false) // [KV, group, T, total] f32
                    .add(mask);
            NDArray probs = scores.softmax(-1).toType(device.weightType(), false);     // [KV, group, T, total]
            NDArray ctx = probs.reshape(kvHeads, (long) group * t, total).matMul(v)    // [KV, group*T, d]
                    .reshape(heads, t, d).transpose(1, 0, 2).reshape(t, (long) heads * d); // [T, H*d]
            x = x.add(layer.o().apply(ctx));                                           // [T, hidden]
            // SwiGLU MLP with pre-norm and residual
            NDArray m = rmsNorm(x, layer.postNorm());                                  // [T, hidden]
            NDArray gated = silu(layer.gate().apply(m)).mul(layer.up().apply(m)); // [T, inter]
            x = x.add(layer.down().apply(gated));                                      // [T, hidden]
        }
        // final norm and output head, logits in float32
        NDArray h = rmsNorm(x, finalNorm);                                             // [T, hidden]
        return h.matMul(lmHead.transpose()).toType(DataType.FLOAT32, false);           // [T, vocab]
    }

    /** RMSNorm in float32, result in the device type: {@code w * x / sqrt(mean(x^2) + eps)}. */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray x32 = x.toType(DataType.FLOAT32, false);                               // [T, hidden]
        NDArray ms = x32.square().mean(new int[] {-1}, true);                          // [T, 1]
        NDArray normed = x32.div(ms.add(spec.config().rmsNormEps()).sqrt());           // [T, hidden]
        return normed.toType(device.weightType(), false).mul(weight);                  // [T, hidden]
    }

    /** SiLU {@code x * sigmoid(x)}. */
    private static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /** {@code x * cos + rotate_half(x) * sin} with {@code rotate_half([a, b]) = [-b, a]} on the last axis. */
    private static NDArray rope(NDArray x, NDArray cosT, NDArray sinT) {
        long d = x.getShape().get(2);
        NDArray first = x.get(":, :, :" + d / 2);                                      // [heads, T, d/2]
        NDArray second = x.get(":, :, " + d / 2 + ":");                                // [heads, T, d/2]
        NDArray rotated = second.neg().concat(first, -1);        // [heads, T, d]
        return x.mul(cosT).add(rotated.mul(sinT));                                     // [heads, T, d]
    }

    /** Additive mask {@code [T, past+T]}: 0 where query {@code past+i} may see key {@code j}, else -inf. */
    static float[] causalMask(int t, int past, int window) {
        int total = past + t;
        float[] m = new float[t * total]; // [T, total]
        for (int i = 0; i < t; i++) {
            int qPos = past + i;
            for (int j = 0; j < total; j++) {
                boolean visible = j <= qPos && (window <= 0 || qPos - j < window);
                m[i * total + j] = visible ? 0f : Float.NEGATIVE_INFINITY;
            }
        }
        return m;
    }

    @Override
    public void close() {
        manager.close();
    }
}
