package org.lmqt.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.SafetensorsWriter;

/**
 * Test helper: a small random Llama-family model held in memory, written as a Hugging Face folder
 * ({@code config.json} and an F32 {@code model.safetensors}, so the stored values are exactly the ones held here),
 * and an independent double-precision forward pass of it written from the formulas of Hugging Face's
 * {@code LlamaForCausalLM} / {@code Qwen2ForCausalLM}: token embedding, RMSNorm, rotate-half RoPE with a given
 * {@code inv_freq}, grouped-query attention with a causal mask, SwiGLU MLP, final norm, tied or untied head, and
 * optional q/k/v biases. It shares no code with {@code lib/}: only the file writer is used.
 * <p>
 * Weights are scaled so that every part of the model matters in the logits: embeddings of unit variance,
 * projections of std {@code 1/sqrt(in)}, and q/k projections twice that, so that attention is sharp and the
 * rotary angles move the logits far above float32 noise.
 */
final class ReferenceLlama {
    static final List<String> LINEAR_MODULES = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

    final int layers;
    final int hidden;
    final int intermediate;
    final int heads;
    final int kvHeads;
    final int headDim;
    final int vocab;
    final int maxPositions;
    final double eps = 1e-5;
    final boolean tied;
    /** Tensors by HF name, float32 row-major; the order is the file order. */
    final Map<String, float[]> weights = new LinkedHashMap<>();
    final Map<String, int[]> shapes = new LinkedHashMap<>();
    /** The {@code config.json} written; tests add {@code rope_scaling} and the like before {@link #write}. */
    final ObjectNode config;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A random model: hidden 64, 4 heads of 16 over 2 KV heads, MLP 128, 2 layers, vocab 96, 64 positions.
     *
     * @param qkvBias add nonzero q/k/v biases (Qwen2)
     */
    ReferenceLlama(long seed, boolean tied, boolean qkvBias, String architecture, String modelType, double theta) {
        this.layers = 2;
        this.hidden = 64;
        this.intermediate = 128;
        this.heads = 4;
        this.kvHeads = 2;
        this.headDim = 16;
        this.vocab = 96;
        this.maxPositions = 64;
        this.tied = tied;
        SplittableRandom rnd = new SplittableRandom(seed);
        int q = heads * headDim;
        int kv = kvHeads * headDim;
        put("model.embed_tokens.weight", gaussian(rnd, 1.0, vocab, hidden), vocab, hidden);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            put(p + "input_layernorm.weight", nearOne(rnd, hidden), hidden);
            put(p + "self_attn.q_proj.weight", gaussian(rnd, 2 / Math.sqrt(hidden), q, hidden), q, hidden);
            put(p + "self_attn.k_proj.weight", gaussian(rnd, 2 / Math.sqrt(hidden), kv, hidden), kv, hidden);
            put(p + "self_attn.v_proj.weight", gaussian(rnd, 1 / Math.sqrt(hidden), kv, hidden), kv, hidden);
            if (qkvBias) {
                put(p + "self_attn.q_proj.bias", gaussian(rnd, 0.5, q), q);
                put(p + "self_attn.k_proj.bias", gaussian(rnd, 0.5, kv), kv);
                put(p + "self_attn.v_proj.bias", gaussian(rnd, 0.5, kv), kv);
            }
            put(p + "self_attn.o_proj.weight", gaussian(rnd, 1 / Math.sqrt(q), hidden, q), hidden, q);
            put(p + "post_attention_layernorm.weight", nearOne(rnd, hidden), hidden);
            put(p + "mlp.gate_proj.weight", gaussian(rnd, 1 / Math.sqrt(hidden), intermediate, hidden), intermediate, hidden);
            put(p + "mlp.up_proj.weight", gaussian(rnd, 1 / Math.sqrt(hidden), intermediate, hidden), intermediate, hidden);
            put(p + "mlp.down_proj.weight", gaussian(rnd, 1 / Math.sqrt(intermediate), hidden, intermediate), hidden, intermediate);
        }
        put("model.norm.weight", nearOne(rnd, hidden), hidden);
        if (!tied) {
            put("lm_head.weight", gaussian(rnd, 1 / Math.sqrt(hidden), vocab, hidden), vocab, hidden);
        }
        config = JSON.createObjectNode();
        config.putArray("architectures").add(architecture);
        config.put("model_type", modelType);
        config.put("hidden_size", hidden);
        config.put("intermediate_size", intermediate);
        config.put("num_hidden_layers", layers);
        config.put("num_attention_heads", heads);
        config.put("num_key_value_heads", kvHeads);
        config.put("vocab_size", vocab);
        config.put("max_position_embeddings", maxPositions);
        config.put("rms_norm_eps", eps);
        config.put("rope_theta", theta);
        config.put("tie_word_embeddings", tied);
        config.put("hidden_act", "silu");
        config.put("torch_dtype", "float32");
    }

    /** A Llama model ({@code LlamaForCausalLM}, no biases). */
    static ReferenceLlama llama(long seed, boolean tied, double theta) {
        return new ReferenceLlama(seed, tied, false, "LlamaForCausalLM", "llama", theta);
    }

    private void put(String name, float[] data, int... shape) {
        weights.put(name, data);
        shapes.put(name, shape);
    }

    /** Tensor name of a linear weight. */
    static String weightName(int layer, String module) {
        return "model.layers." + layer + "." + module + ".weight";
    }

    /** Writes {@code config.json} and {@code model.safetensors} (F32) into {@code dir}. */
    Path write(Path dir) {
        SafetensorsWriter st = new SafetensorsWriter().metadata("format", "pt");
        weights.forEach((name, data) -> st.put(name, DType.F32, shapes.get(name), data));
        try {
            Files.createDirectories(dir);
            st.write(dir.resolve("model.safetensors"));
            Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Random token ids, {@code n} of them. */
    long[] ids(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = rnd.nextInt(vocab);
        }
        return ids;
    }

    // ---------------------------------------------------------------------------------------------------------
    // rotary inverse frequencies, in double, from the formulas of transformers' modeling_rope_utils

    /** {@code theta^(-2i/d)}, {@code i < d/2} (HF {@code _compute_default_rope_parameters}). */
    static double[] defaultInvFreq(double theta, int d) {
        double[] inv = new double[d / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(theta, 2.0 * i / d);
        }
        return inv;
    }

    /** Linear scaling: positions divided by the factor, i.e. every frequency divided by it. */
    static double[] linearInvFreq(double theta, int d, double factor) {
        double[] inv = defaultInvFreq(theta, d);
        for (int i = 0; i < inv.length; i++) {
            inv[i] /= factor;
        }
        return inv;
    }

    /**
     * HF {@code _compute_llama3_parameters}: wavelengths longer than {@code old/low} are divided by the factor,
     * shorter than {@code old/high} kept, and in between (both ends included) interpolated with
     * {@code smooth = (old/wavelen - low) / (high - low)}: {@code (1 - smooth) * inv/factor + smooth * inv}.
     */
    static double[] llama3InvFreq(double theta, int d, double factor, double low, double high, int old) {
        double[] inv = defaultInvFreq(theta, d);
        double lowWavelen = old / low;
        double highWavelen = old / high;
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen > lowWavelen) {
                inv[i] = inv[i] / factor;
            } else if (!(wavelen < highWavelen)) {
                double smooth = (old / wavelen - low) / (high - low);
                inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
            }
        }
        return inv;
    }

    // ---------------------------------------------------------------------------------------------------------
    // the forward pass, double precision

    /** Logits {@code [T][vocab]} of a full-sequence forward pass, positions 0..T-1. */
    double[][] logits(long[] ids, double[] invFreq) {
        int t = ids.length;
        double[][] x = new double[t][];
        for (int i = 0; i < t; i++) {
            x[i] = toDouble(weights.get("model.embed_tokens.weight"), (int) ids[i] * hidden, hidden);
        }
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            double[][] a = rmsNorm(x, weights.get(p + "input_layernorm.weight"));
            double[][] q = linear(a, p + "self_attn.q_proj");
            double[][] k = linear(a, p + "self_attn.k_proj");
            double[][] v = linear(a, p + "self_attn.v_proj");
            for (int i = 0; i < t; i++) {
                rope(q[i], heads, i, invFreq);
                rope(k[i], kvHeads, i, invFreq);
            }
            double[][] ctx = attention(q, k, v);
            add(x, linear(ctx, p + "self_attn.o_proj"));
            double[][] m = rmsNorm(x, weights.get(p + "post_attention_layernorm.weight"));
            double[][] gate = linear(m, p + "mlp.gate_proj");
            double[][] up = linear(m, p + "mlp.up_proj");
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < intermediate; j++) {
                    double g = gate[i][j];
                    gate[i][j] = g / (1 + Math.exp(-g)) * up[i][j];   // silu(gate) * up
                }
            }
            add(x, linear(gate, p + "mlp.down_proj"));
        }
        double[][] h = rmsNorm(x, weights.get("model.norm.weight"));
        return matmulT(h, weights.get(tied ? "model.embed_tokens.weight" : "lm_head.weight"), vocab, null);
    }

    /** {@code w * x / sqrt(mean(x^2) + eps)} per row. */
    private double[][] rmsNorm(double[][] x, float[] w) {
        double[][] out = new double[x.length][hidden];
        for (int i = 0; i < x.length; i++) {
            double ms = 0;
            for (double v : x[i]) {
                ms += v * v;
            }
            double r = 1 / Math.sqrt(ms / hidden + eps);
            for (int j = 0; j < hidden; j++) {
                out[i][j] = w[j] * x[i][j] * r;
            }
        }
        return out;
    }

    /** {@code x W^T + b} for the module {@code prefix} (bias when the model holds one). */
    private double[][] linear(double[][] x, String prefix) {
        int out = shapes.get(prefix + ".weight")[0];
        return matmulT(x, weights.get(prefix + ".weight"), out, weights.get(prefix + ".bias"));
    }

    private static double[][] matmulT(double[][] x, float[] w, int out, float[] bias) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double s = bias == null ? 0 : bias[o];
                for (int c = 0; c < in; c++) {
                    s += x[i][c] * w[o * in + c];
                }
                y[i][o] = s;
            }
        }
        return y;
    }

    /** In place, each head of one position: {@code x*cos + rotate_half(x)*sin}, {@code rotate_half([a,b]) = [-b,a]}. */
    private void rope(double[] row, int nHeads, int pos, double[] invFreq) {
        int half = headDim / 2;
        for (int h = 0; h < nHeads; h++) {
            int base = h * headDim;
            for (int i = 0; i < half; i++) {
                double angle = pos * invFreq[i];
                double c = Math.cos(angle);
                double s = Math.sin(angle);
                double a = row[base + i];
                double b = row[base + half + i];
                row[base + i] = a * c - b * s;
                row[base + half + i] = b * c + a * s;
            }
        }
    }

    /** Causal softmax attention; query head {@code h} reads KV head {@code h / (heads / kvHeads)}. */
    private double[][] attention(double[][] q, double[][] k, double[][] v) {
        int t = q.length;
        int group = heads / kvHeads;
        double scale = 1 / Math.sqrt(headDim);
        double[][] ctx = new double[t][heads * headDim];
        for (int h = 0; h < heads; h++) {
            int kvBase = (h / group) * headDim;
            int qBase = h * headDim;
            for (int i = 0; i < t; i++) {
                double[] score = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int c = 0; c < headDim; c++) {
                        s += q[i][qBase + c] * k[j][kvBase + c];
                    }
                    score[j] = s * scale;
                    max = Math.max(max, score[j]);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) {
                    score[j] = Math.exp(score[j] - max);
                    sum += score[j];
                }
                for (int j = 0; j <= i; j++) {
                    double pr = score[j] / sum;
                    for (int c = 0; c < headDim; c++) {
                        ctx[i][qBase + c] += pr * v[j][kvBase + c];
                    }
                }
            }
        }
        return ctx;
    }

    private static void add(double[][] x, double[][] y) {
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                x[i][j] += y[i][j];
            }
        }
    }

    private static double[] toDouble(float[] a, int from, int n) {
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = a[from + i];
        }
        return r;
    }

    // ---------------------------------------------------------------------------------------------------------
    // comparison

    /**
     * Largest {@code |actual - expected|} over all logits, divided by the largest {@code |expected|}: the error
     * relative to the logit scale.
     */
    static double relativeMaxError(double[][] expected, float[] actual) {
        int vocab = expected[0].length;
        if (actual.length != expected.length * vocab) {
            throw new AssertionError("got " + actual.length + " logits, expected " + expected.length * vocab);
        }
        double maxDiff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < vocab; j++) {
                maxDiff = Math.max(maxDiff, Math.abs(actual[i * vocab + j] - expected[i][j]));
                scale = Math.max(scale, Math.abs(expected[i][j]));
            }
        }
        return maxDiff / scale;
    }

    /** The same measure between two reference results. */
    static double relativeMaxError(double[][] expected, double[][] other) {
        float[] flat = new float[expected.length * expected[0].length];
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[0].length; j++) {
                flat[i * expected[0].length + j] = (float) other[i][j];
            }
        }
        return relativeMaxError(expected, flat);
    }

    private static float[] gaussian(SplittableRandom rnd, double std, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            double u = 1 - rnd.nextDouble();
            w[i] = (float) (std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble()));
        }
        return w;
    }

    private static float[] nearOne(SplittableRandom rnd, int n) {
        float[] w = gaussian(rnd, 0.1, n);
        for (int i = 0; i < n; i++) {
            w[i] += 1;
        }
        return w;
    }
}
