package org.lmqt.quant.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.model.BlockInputs;
import org.lmqt.model.ForwardHook;
import org.lmqt.model.KvPolicy;
import org.lmqt.model.LlamaModel;

/**
 * KVQuant's calibration (SqueezeAI KVQuant {@code SimQuant.quantize}, run by qllm-infer's {@code gen_quantizer.sh}):
 * the k_proj and v_proj outputs {@code [tokens, F]} of the calibration windows are collected per layer (keys before
 * RoPE); with {@code t = 1 - (1 - sparsity) / 2} (0.995 for KVQuant's 0.99) keys get per-channel thresholds at the
 * t and 1 - t percentiles over the tokens (linear interpolation), values per-token ones over the features (used only
 * here: at inference value thresholds are dynamic); values are normalised {@code (x - mid) / half}, those with
 * {@code |n| > 1} are outliers, and the rest of each projection are clustered into {@code 2^bits} centroids by
 * k-means ({@link KMeans1d}, seeded). The windows stream through the model block by block, so one layer's
 * projections are held at a time ({@code 2 x tokens x F} floats). Left out: Fisher-information weighting of the k-means, which needs a gradient
 * pass.
 */
public final class KvQuantCalibration {
    private KvQuantCalibration() {}

    /** KVQuant's k-means iterations. */
    public static final int MAX_ITER = 50;

    /** Calibrates {@code spec} on {@code windows} (token ids) of {@code model}, which must run with the exact cache. */
    public static KvQuantPolicy calibrate(LlamaModel model, List<long[]> windows, KvQuantPolicy spec, long seed) {
        if (model.kvPolicy() != KvPolicy.EXACT) {
            throw new IllegalStateException("calibrate KVQuant on the model with the exact KV cache");
        }
        if (windows.isEmpty()) {
            throw new IllegalArgumentException("KVQuant calibration needs at least one window");
        }
        int layers = model.numLayers();
        int f = model.config().numKvHeads() * model.config().headDim();
        double t = spec.threshold();
        int k = 1 << spec.bits();
        // the windows stream through the model block by block, so only one layer's projections are held at a time
        List<float[]> keys = new ArrayList<>();     // this layer's k_proj outputs, [T, F] per window
        List<float[]> values = new ArrayList<>();   // this layer's v_proj outputs, [T, F] per window
        ForwardHook collect = new ForwardHook() {
            @Override
            public NDArray linearOutput(MatrixKey key, NDArray y) {
                if (key.module().equals("self_attn.k_proj")) {
                    keys.add(y.toType(DataType.FLOAT32, false).toFloatArray());
                } else if (key.module().equals("self_attn.v_proj")) {
                    values.add(y.toType(DataType.FLOAT32, false).toFloatArray());
                }
                return y;
            }
        };
        List<KvQuantLayer> out = new ArrayList<>();
        try (BlockInputs states = BlockInputs.embed(model, windows.toArray(long[][]::new));
             ForwardHook.Registration r = model.addHook(collect)) {
            for (int i = 0; i < layers; i++) {
                int layer = i;
                keys.clear();
                values.clear();
                states.advance(h -> model.block(layer, h, model.positions(0, (int) h.getShape().get(0))));
                out.add(layerQuantizers(concat(keys), concat(values), f, t, k, seed));
            }
        }
        return spec.withLayers(out);
    }

    /** One layer's thresholds and codebooks from its k/v projection outputs {@code [N, F]}. */
    private static KvQuantLayer layerQuantizers(float[] kAll, float[] vAll, int f, double t, int k, long seed) {
        int n = kAll.length / f;
        // keys: per-channel thresholds over the tokens
        float[] upper = new float[f];
        float[] lower = new float[f];
        float[] column = new float[n];
        for (int c = 0; c < f; c++) {
            for (int r = 0; r < n; r++) {
                column[r] = kAll[r * f + c];
            }
            Arrays.sort(column);
            upper[c] = KvQuantQuantizer.quantile(column, t);
            lower[c] = KvQuantQuantizer.quantile(column, 1 - t);
        }
        float[] keyInliers = inliers(kAll, n, f, (r, c) -> upper[c], (r, c) -> lower[c]);
        // values: per-token thresholds over the features
        float[] vUpper = new float[n];
        float[] vLower = new float[n];
        float[] row = new float[f];
        for (int r = 0; r < n; r++) {
            System.arraycopy(vAll, r * f, row, 0, f);
            Arrays.sort(row);
            vUpper[r] = KvQuantQuantizer.quantile(row, t);
            vLower[r] = KvQuantQuantizer.quantile(row, 1 - t);
        }
        float[] valueInliers = inliers(vAll, n, f, (r, c) -> vUpper[r], (r, c) -> vLower[r]);
        // the codebooks: k-means of the normalised inliers
        return new KvQuantLayer(upper, lower, KMeans1d.fit(keyInliers, k, MAX_ITER, seed),
                KMeans1d.fit(valueInliers, k, MAX_ITER, seed));
    }

    /** Up to {@code count} consecutive windows of {@code length} tokens from the start of {@code ids} (at least one). */
    public static List<long[]> windows(long[] ids, int count, int length) {
        if (ids.length < 2) {
            throw new org.lmqt.cli.UserException("KVQuant calibration text too short: " + ids.length + " token(s)");
        }
        List<long[]> out = new ArrayList<>();
        for (int from = 0; out.size() < count && from < ids.length; from += length) {
            out.add(Arrays.copyOfRange(ids, from, Math.min(from + length, ids.length)));
        }
        return out;
    }

    private interface Threshold {
        float at(int row, int col);
    }

    /** The normalised values {@code (x - mid) / half} with {@code |n| <= 1} of {@code x [n, f]}. */
    private static float[] inliers(float[] x, int n, int f, Threshold upper, Threshold lower) {
        float[] keep = new float[x.length];
        int m = 0;
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < f; c++) {
                float hi = upper.at(r, c);
                float lo = lower.at(r, c);
                float v = (x[r * f + c] - (hi + lo) / 2) / ((hi - lo) / 2);
                if (Math.abs(v) <= 1) {
                    keep[m++] = v;
                }
            }
        }
        return Arrays.copyOf(keep, m);
    }

    private static float[] concat(List<float[]> parts) {
        int total = parts.stream().mapToInt(p -> p.length).sum();
        float[] out = new float[total];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
