package org.lmqt.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.lmqt.io.AtomicFiles;

/**
 * A seeded random Llama-family checkpoint in Hugging Face layout ({@code config.json}, {@code model.safetensors}),
 * for demos and tests: Gaussian weights (std 0.02) with a few outlier input channels in q, o and down projections
 * (as real LLMs have, so kurtosis and mixed precision have something to find), norms near 1.
 *
 * @param layers        decoder blocks
 * @param hidden        residual width
 * @param intermediate  MLP width
 * @param heads         query heads
 * @param kvHeads       key/value heads
 * @param vocab         vocabulary size
 * @param maxPositions  {@code max_position_embeddings}
 * @param ropeTheta     RoPE base
 * @param tied          tie the output head to the token embedding (no {@code lm_head.weight})
 * @param dtype         storage type: F32, F16 or BF16
 * @param seed          random seed
 */
public record TinyLlama(int layers, int hidden, int intermediate, int heads, int kvHeads, int vocab, int maxPositions,
                        double ropeTheta, boolean tied, DType dtype, long seed) {

    /** The default of the README's main job: 4 layers, width 256, 4 heads over 2 KV heads, 512 tokens. */
    public static final TinyLlama DEFAULT = new TinyLlama(4, 256, 512, 4, 2, 512, 2048, 10000.0, false, DType.BF16, 0);

    public TinyLlama {
        if (layers <= 0 || hidden <= 0 || intermediate <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || maxPositions <= 0) {
            throw new IllegalArgumentException("layers, sizes, heads and vocab must be positive");
        }
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hidden + " is not divisible by " + heads + " heads");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " heads are not a multiple of " + kvHeads + " KV heads");
        }
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("dtype must be F32, F16 or BF16, not " + dtype);
        }
    }

    /** Width of one attention head. */
    public int headDim() {
        return hidden / heads;
    }

    /** Writes {@code config.json} and {@code model.safetensors} into {@code dir}. */
    public void write(Path dir) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int kvWidth = kvHeads * headDim();
        SafetensorsWriter st = new SafetensorsWriter().metadata("format", "pt");
        st.put("model.embed_tokens.weight", dtype, new int[] {vocab, hidden}, gaussian(rnd, vocab, hidden, 0));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            st.put(p + "input_layernorm.weight", dtype, new int[] {hidden}, nearOne(rnd, hidden));
            st.put(p + "self_attn.q_proj.weight", dtype, new int[] {hidden, hidden}, gaussian(rnd, hidden, hidden, 3));
            st.put(p + "self_attn.k_proj.weight", dtype, new int[] {kvWidth, hidden}, gaussian(rnd, kvWidth, hidden, 0));
            st.put(p + "self_attn.v_proj.weight", dtype, new int[] {kvWidth, hidden}, gaussian(rnd, kvWidth, hidden, 0));
            st.put(p + "self_attn.o_proj.weight", dtype, new int[] {hidden, hidden}, gaussian(rnd, hidden, hidden, 2));
            st.put(p + "post_attention_layernorm.weight", dtype, new int[] {hidden}, nearOne(rnd, hidden));
            st.put(p + "mlp.gate_proj.weight", dtype, new int[] {intermediate, hidden}, gaussian(rnd, intermediate, hidden, 0));
            st.put(p + "mlp.up_proj.weight", dtype, new int[] {intermediate, hidden}, gaussian(rnd, intermediate, hidden, 0));
            st.put(p + "mlp.down_proj.weight", dtype, new int[] {hidden, intermediate}, gaussian(rnd, hidden, intermediate, 4));
        }
        st.put("model.norm.weight", dtype, new int[] {hidden}, nearOne(rnd, hidden));
        if (!tied) {
            st.put("lm_head.weight", dtype, new int[] {vocab, hidden}, gaussian(rnd, vocab, hidden, 0));
        }
        st.write(dir.resolve("model.safetensors"));
        AtomicFiles.writeString(dir.resolve("config.json"), configJson());
    }

    /** The Hugging Face {@code config.json} text. */
    public String configJson() {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode c = json.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", hidden);
        c.put("intermediate_size", intermediate);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("head_dim", headDim());
        c.put("vocab_size", vocab);
        c.put("max_position_embeddings", maxPositions);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", ropeTheta);
        c.put("tie_word_embeddings", tied);
        c.put("hidden_act", "silu");
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("torch_dtype", switch (dtype) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        });
        try {
            return json.writeValueAsString(c) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code [rows, cols]} N(0, 0.02^2) with {@code outliers} input columns scaled by 8-24x. */
    private static float[] gaussian(SplittableRandom rnd, int rows, int cols, int outliers) {
        float[] w = new float[rows * cols];   // [rows, cols]
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (gaussian(rnd) * 0.02);
        }
        for (int k = 0; k < outliers; k++) {
            int col = rnd.nextInt(cols);
            double gain = 8 + 16 * rnd.nextDouble();
            for (int r = 0; r < rows; r++) {
                w[r * cols + col] *= (float) gain;
            }
        }
        return w;
    }

    private static float[] nearOne(SplittableRandom rnd, int n) {
        float[] w = new float[n];   // [n]
        for (int i = 0; i < n; i++) {
            w[i] = (float) (1 + 0.1 * gaussian(rnd));
        }
        return w;
    }

    /** Box-Muller on a SplittableRandom (whose stream is fixed by the seed on every JDK). */
    private static double gaussian(SplittableRandom rnd) {
        double u = 1 - rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }
}
