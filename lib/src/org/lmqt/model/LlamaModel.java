package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.device.Djl;

/**
 * A Llama-family decoder (Llama 2/3, Mistral, Qwen2) built from DJL NDArray operations on the PyTorch engine: token
 * embedding, {@link DecoderBlock}s, final RMSNorm, tied or untied output head. Batch size 1. Weights live on the
 * {@link ComputeDevice} (float32 on CPU, float16 on CUDA); each linear layer is built by a {@link LinearFactory}
 * (quantized layers stay packed by default). {@link ForwardHook}s observe and transform activations; the blocks run
 * one at a time ({@link #embed}, {@link #block}, {@link #head}) for layer-wise methods. Every block's intermediates
 * are released when the block ends, so a forward pass holds one block's activations at a time.
 * <pre>{@code try (LlamaModel m = LlamaModel.load(WeightSource.of(Checkpoint.open(dir)), ComputeDevice.CPU)) {
 *     float[] logits = m.logits(new long[] {1, 5, 9});   // [3, vocab]
 * }}</pre>
 */
public final class LlamaModel implements AutoCloseable {
    private final DecoderConfig spec;
    private final ComputeDevice device;
    private final NDManager manager;
    private final NDArray embed;      // [vocab, hidden]
    private final List<DecoderBlock> blocks;
    private final NDArray finalNorm;  // [hidden]
    private final NDArray lmHead;     // [vocab, hidden] (the embedding itself when tied)
    private final NDArray cos;        // [maxPositions, headDim]
    private final NDArray sin;        // [maxPositions, headDim]
    private final List<ForwardHook> hooks = new CopyOnWriteArrayList<>();
    private volatile KvPolicy kvPolicy = KvPolicy.EXACT;

    private LlamaModel(DecoderConfig spec, ComputeDevice device, NDManager manager, NDArray embed,
                       List<DecoderBlock> blocks, NDArray finalNorm, NDArray lmHead, NDArray cos, NDArray sin) {
        this.spec = spec;
        this.device = device;
        this.manager = manager;
        this.embed = embed;
        this.blocks = List.copyOf(blocks);
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.cos = cos;
        this.sin = sin;
    }

    /** Loads all weights of {@code source} onto {@code device} with the {@link LinearFactory#STANDARD} layers. */
    public static LlamaModel load(WeightSource source, ComputeDevice device) {
        return load(source, device, LinearFactory.STANDARD);
    }

    /** Loads all weights of {@code source} onto {@code device}; the source may be closed afterwards. */
    public static LlamaModel load(WeightSource source, ComputeDevice device, LinearFactory linears) {
        ModelConfig c = source.config();
        DecoderConfig spec = DecoderConfig.of(c);
        ModelFamily fam = source.family();
        NDManager manager = Djl.newManager(device);
        try {
            NDArray embed = LinearFactory.array(source, "model.embed_tokens.weight", manager, device,
                    c.vocabSize(), c.hiddenSize());
            int qOut = c.numHeads() * c.headDim();
            int kvOut = c.numKvHeads() * c.headDim();
            int h = c.hiddenSize();
            int[][] shapes = {{qOut, h}, {kvOut, h}, {kvOut, h}, {h, qOut}, {c.intermediateSize(), h},
                    {c.intermediateSize(), h}, {h, c.intermediateSize()}};   // [out, in] of q k v o gate up down
            List<DecoderBlock> blocks = new ArrayList<>();
            for (int i = 0; i < c.numLayers(); i++) {
                String p = fam.layerPrefix() + i + ".";
                List<LinearLayer> layers = new ArrayList<>();
                for (int m = 0; m < DecoderBlock.MODULES.size(); m++) {
                    layers.add(linears.build(new MatrixKey(i, DecoderBlock.MODULES.get(m)), source, shapes[m][0],
                            shapes[m][1], manager, device));
                }
                blocks.add(new DecoderBlock(i, spec, device,
                        LinearFactory.array(source, p + "input_layernorm.weight", manager, device, h),
                        LinearFactory.array(source, p + "post_attention_layernorm.weight", manager, device, h),
                        layers));
            }
            NDArray norm = LinearFactory.array(source, "model.norm.weight", manager, device, h);
            boolean tied = c.tieWordEmbeddings() || !source.contains("lm_head.weight");
            NDArray head = tied ? embed
                    : LinearFactory.array(source, "lm_head.weight", manager, device, c.vocabSize(), h);
            float[][] tables = spec.rope().tables(c.maxPositions(), c.headDim());
            NDArray cos = manager.create(tables[0], new Shape(c.maxPositions(), c.headDim())); // [P, d] f32
            NDArray sin = manager.create(tables[1], new Shape(c.maxPositions(), c.headDim())); // [P, d] f32
            // the loader's staging copies (a Java and a native buffer per tensor) are garbage now; collected
            // once here, they do not stay resident next to the model
            System.gc();
            return new LlamaModel(spec, device, manager, embed, blocks, norm, head, cos, sin);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
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

    /** Number of decoder blocks. */
    public int numLayers() {
        return blocks.size();
    }

    /** Decoder block {@code i}. */
    public DecoderBlock block(int i) {
        return blocks.get(i);
    }

    /** Bytes of all weights on the device (linear layers in their format, embeddings, norms, head). */
    public long deviceBytes() {
        long b = LinearFactory.bytes(embed) + LinearFactory.bytes(finalNorm) + (lmHead == embed ? 0 : LinearFactory.bytes(lmHead));
        return b + blocks.stream().mapToLong(DecoderBlock::deviceBytes).sum();
    }

    /** The manager the model's arrays live in (create inputs for {@link #block} on it). */
    public NDManager manager() {
        return manager;
    }

    /**
     * Adds a hook that sees every later forward pass; close the returned handle to remove it. Hooks run in the
     * order they were added.
     */
    public ForwardHook.Registration addHook(ForwardHook hook) {
        hooks.add(hook);
        return () -> hooks.remove(hook);
    }

    /**
     * Whether every position is computed from its own row except in attention, so a sequence may run as a prefix
     * and a later call with the same results up to rounding: every linear layer and every hook is token-wise
     * ({@link LinearLayer#tokenwise}, {@link ForwardHook#tokenwise}; a KV-cache policy is a separate matter).
     */
    public boolean tokenwise() {
        return hooks.stream().allMatch(ForwardHook::tokenwise)
                && blocks.stream().allMatch(b -> b.linears().stream().allMatch(LinearLayer::tokenwise));
    }

    /**
     * A new, empty KV cache for {@link #forward(long[], KvCache)} with the model's {@link #kvPolicy()}; its prefill
     * attends to the exact keys and values (the references' generation path, {@code prefill_with_quant=False}).
     */
    public KvCache newCache() {
        return newCache(false);
    }

    /** As {@link #newCache()}; with {@code prefillWithQuant} the prefill's attention reads the quantized cache. */
    public KvCache newCache(boolean prefillWithQuant) {
        return new KvCache(manager, blocks.size(), kvPolicy, prefillWithQuant);
    }

    /** How KV caches of this model store keys and values ({@link KvPolicy#EXACT} unless set). */
    public KvPolicy kvPolicy() {
        return kvPolicy;
    }

    /**
     * Sets how KV caches made from now on store keys and values. With a policy other than {@link KvPolicy#EXACT}
     * a full-sequence pass ({@link #logits}, {@link #nll}, {@link #hidden}, {@link #forward} without a cache) runs
     * as one prefill into a fresh cache with {@code prefillWithQuant}, so attention reads the quantized keys and
     * values, as the references' perplexity path does. The block API ({@link #block}) is not affected.
     */
    public void setKvPolicy(KvPolicy policy) {
        policy.checkFits(spec.config().numKvHeads(), spec.config().headDim());
        this.kvPolicy = policy;
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
            NDArray hidden = hiddenStates(ids, null);                            // [T, hidden]
            double sum = 0;
            // only the predicting positions go through the head, a few rows at a time ([rows, V] each)
            for (int a = from - 1; a < t - 1; a += NLL_ROWS) {
                int b = Math.min(a + NLL_ROWS, t - 1);
                try (NDScope rows = new NDScope()) {
                    NDArray logp = head(hidden.get(new NDIndex(a + ":" + b))).logSoftmax(-1); // [rows, V] f32
                    long[] targets = java.util.Arrays.copyOfRange(ids, a + 1, b + 1);
                    NDArray tgt = manager.create(targets, new Shape(targets.length, 1));    // [rows, 1]
                    sum -= logp.gather(tgt, 1).sum().toType(DataType.FLOAT64, false).getDouble();
                }
            }
            return new double[] {sum, t - from};
        }
    }

    /** Rows of logits {@link #nll} holds at a time ({@code [rows, vocab]} float32). */
    public static final int NLL_ROWS = 128;

    /**
     * Forward pass of {@code ids} at positions following the cache's (or from 0 without a cache). The returned
     * logits, float32 {@code [T, vocab]}, belong to the caller's {@link NDScope}; the cache grows by {@code T}.
     */
    public NDArray forward(long[] ids, KvCache cache) {
        NDArray hidden = hiddenStates(ids, cache);                               // [T, hidden]
        NDArray logits = head(hidden);                                           // [T, V]
        hidden.close();
        return logits;
    }

    /**
     * The final hidden states {@code [T, hidden]} of a full-sequence pass (before the final norm), in the caller's
     * scope; {@link #head} turns rows of them into logits.
     */
    public NDArray hidden(long[] ids) {
        return hiddenStates(ids, null);
    }

    /**
     * The final hidden states {@code [T, hidden]} of {@code ids} at the positions after the cache's, in the caller's
     * scope; the cache grows by {@code T} (a prefill without logits, or a continuation after a shared prefix).
     */
    public NDArray hidden(long[] ids, KvCache cache) {
        return hiddenStates(ids, java.util.Objects.requireNonNull(cache, "cache"));
    }

    /** Embedding, then every block, each in a scope of its own: the final hidden states {@code [T, hidden]}. */
    private NDArray hiddenStates(long[] ids, KvCache cache) {
        if (cache == null && kvPolicy != KvPolicy.EXACT) {
            try (KvCache prefill = newCache(true)) {
                NDArray x = hiddenStates(ids, prefill);                          // [T, hidden]
                NDScope.unregister(x);
                x.attach(manager);   // out of the cache's manager before it closes
                NDScope.register(x);
                return x;
            }
        }
        checkIds(ids, cache == null ? 0 : cache.length());
        NDArray x = embed(ids);                                                  // [T, hidden]
        try (NDScope scope = new NDScope()) {
            Positions pos = positions(cache == null ? 0 : cache.length(), ids.length);
            for (DecoderBlock b : blocks) {
                NDArray next = runBlock(b, x, pos, cache);                       // [T, hidden]
                x.close();
                x = next;
            }
            NDScope.unregister(x);
        }
        NDScope.register(x);
        return x;
    }

    private void checkIds(long[] ids, int past) {
        ModelConfig c = spec.config();
        if (past + ids.length > c.maxPositions()) {
            throw new UserException("sequence of " + (past + ids.length) + " tokens is longer than the model's "
                    + c.maxPositions() + " positions (max_position_embeddings)");
        }
        checkVocabulary(ids);
    }

    private void checkVocabulary(long[] ids) {
        ModelConfig c = spec.config();
        if (ids.length == 0) {
            throw new UserException("empty input: no tokens to run");
        }
        for (long id : ids) {
            if (id < 0 || id >= c.vocabSize()) {
                throw new UserException("token id " + id + " is outside the model's vocabulary of " + c.vocabSize());
            }
        }
    }

    /** The embeddings of {@code ids}, {@code [T, hidden]}, in the caller's scope. */
    public NDArray embed(long[] ids) {
        checkVocabulary(ids);
        NDArray idx = manager.create(ids);                                       // [T]
        NDArray x = embed.get(idx);                                              // [T, hidden]
        idx.close();
        return x;
    }

    /**
     * The rotary tables and causal mask for {@code length} positions after {@code past}, in the caller's scope.
     * Unlike {@link #forward}, which refuses sequences beyond {@code max_position_embeddings}, the block API
     * computes longer tables when asked (calibration blocks of 512 tokens on small test models).
     */
    public Positions positions(int past, int length) {
        int total = past + length;
        int d = spec.config().headDim();
        NDArray cosT;
        NDArray sinT;
        if (total <= spec.config().maxPositions()) {
            cosT = cos.get(past + ":" + total).toType(device.weightType(), false);      // [T, d]
            sinT = sin.get(past + ":" + total).toType(device.weightType(), false);      // [T, d]
        } else {
            float[][] tables = spec.rope().tables(total, d);
            cosT = manager.create(tables[0], new Shape(total, d)).get(past + ":" + total)
                    .toType(device.weightType(), false);                                // [T, d]
            sinT = manager.create(tables[1], new Shape(total, d)).get(past + ":" + total)
                    .toType(device.weightType(), false);                                // [T, d]
        }
        NDArray mask = manager.create(causalMask(length, past, spec.slidingWindow()), new Shape(length, total));
        return new Positions(past, length, cosT, sinT, mask);
    }

    /**
     * Runs block {@code i} alone on hidden states {@code x [T, hidden]} at positions {@code pos} (no cache), with
     * the model's hooks; the result {@code [T, hidden]} is in the caller's scope, the block's intermediates are
     * released.
     */
    public NDArray block(int i, NDArray x, Positions pos) {
        return runBlock(blocks.get(i), x, pos, null);
    }

    private NDArray runBlock(DecoderBlock b, NDArray x, Positions pos, KvCache cache) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            out = b.forward(x, pos, cache, hooks);                               // [T, hidden]
            NDScope.unregister(out);
        }
        NDScope.register(out);
        return out;
    }

    /** Final norm and output head: logits {@code [T, vocab]} in float32, in the caller's scope. */
    public NDArray head(NDArray hidden) {
        NDArray logits;
        try (NDScope scope = new NDScope()) {
            NDArray h = DecoderBlock.rmsNorm(hidden, finalNorm, spec.config().rmsNormEps(), device); // [T, hidden]
            logits = h.matMul(lmHead.transpose()).toType(DataType.FLOAT32, false);  // [T, vocab]
            NDScope.unregister(logits);
        }
        NDScope.register(logits);
        return logits;
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
