package org.lmqt.quant.awq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lmqt.device.ComputeDevice;
import org.lmqt.device.Djl;
import org.lmqt.quant.CalibrationInputs;

/**
 * AWQ on one decoder layer with given calibration features (calib-methods-spec §3), in float32 as the references run
 * on CPU: the activation-aware scale search of every unit on the original weights ({@link #searchScales}), the
 * scales applied in the units' order ({@link #applyScales}), the clip search on the scaled weights and features and
 * the final {@code pseudo_quantize_tensor} of all seven linears ({@link #clipAndQuantize}); {@link #quantize} does
 * all three.
 */
public final class Awq {
    /** Ratios {@code r / GRID} tried by the scale search, {@code r = 0 .. GRID-1}. */
    public static final int GRID = 20;
    /** Shrink steps of the clip search, {@code int(0.5 * 20)}. */
    static final int CLIP_STEPS = 10;
    /** Tokens the clip search aims at ({@code n_sample_token}). */
    static final int CLIP_TOKENS = 512;

    private Awq() {}

    /** A search unit (the fixture README's table): the linears scaled together and the op absorbing {@code 1/s}. */
    public enum Unit {
        /** q, k, v after input_layernorm; output compared {@code cat(q x, k x, v x)}. */
        QKV("qkv"),
        /** o after v_proj (only when v and o have the same shape); o alone. */
        O("o"),
        /** gate, up after post_attention_layernorm; the whole MLP with the original down. */
        GATE_UP("gate_up"),
        /** down after up_proj; down alone. */
        DOWN("down");

        private final String label;

        Unit(String label) {
            this.label = label;
        }

        /** The fixture's name ({@code gate_up}). */
        public String label() {
            return label;
        }

        /** The linears it scales. */
        public List<String> linears() {
            return switch (this) {
                case QKV -> List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj");
                case O -> List.of("self_attn.o_proj");
                case GATE_UP -> List.of("mlp.gate_proj", "mlp.up_proj");
                case DOWN -> List.of("mlp.down_proj");
            };
        }

        CalibrationInputs input(AwqFeatures x) {
            return switch (this) {
                case QKV -> x.attn();
                case O -> x.o();
                case GATE_UP -> x.mlp();
                case DOWN -> x.down();
            };
        }
    }

    /**
     * One unit's search trace.
     *
     * @param unit      the unit
     * @param losses    {@code [GRID]} the loss at ratio {@code r / GRID}, as the flavour computes it
     * @param bestIndex the first minimum of {@code losses}
     * @param scales    {@code [in]} the scales of the best ratio
     */
    public record UnitSearch(Unit unit, double[] losses, int bestIndex, float[] scales) {
        public UnitSearch {
            if (losses.length != GRID || bestIndex < 0 || bestIndex >= GRID || scales.length == 0) {
                throw new IllegalArgumentException("a search trace needs " + GRID + " losses, a best index in range "
                        + "and scales: " + losses.length + ", " + bestIndex + ", " + scales.length);
            }
        }
    }

    /** A layer and its features after {@link #applyScales}. */
    public record Scaled(AwqLayer layer, AwqFeatures features) {}

    /**
     * What {@link #clipAndQuantize} produces.
     *
     * @param clipMax  per clipped linear (v, o, gate, up, down) {@code [out, in/group]} the clip threshold
     * @param matrices all seven linears, named as {@link AwqLayer#LINEARS}, in that order
     */
    public record Quantized(Map<String, float[]> clipMax, Map<String, AwqMatrix> matrices) {}

    /**
     * The whole of {@link #quantize}.
     *
     * @param searches the units' traces in order (no {@link Unit#O} when v and o differ in shape)
     * @param scaled   the layer after {@code apply_scale} (norm weights divided), before clipping
     * @param result   clip thresholds and the quantized linears
     */
    public record Result(List<UnitSearch> searches, AwqLayer scaled, Quantized result) {}

    /** Searches, applies the scales, clips and quantizes one layer. */
    public static Result quantize(AwqLayer layer, AwqFeatures x, AwqOptions o) {
        List<UnitSearch> searches = searchScales(layer, x, o);
        Map<Unit, float[]> scales = new LinkedHashMap<>();
        searches.forEach(s -> scales.put(s.unit(), s.scales()));
        Scaled scaled = applyScales(layer, x, scales);
        return new Result(searches, scaled.layer(), clipAndQuantize(scaled, o));
    }

    /** The units of {@code layer} in order: {@link Unit#O} only when v_proj and o_proj have the same shape. */
    public static List<Unit> units(AwqLayer layer) {
        boolean vo = layer.kvOut() == layer.hidden() && layer.qOut() == layer.hidden();
        return vo ? List.of(Unit.values()) : List.of(Unit.QKV, Unit.GATE_UP, Unit.DOWN);
    }

    /** Every unit's scale search, all on the original weights. */
    public static List<UnitSearch> searchScales(AwqLayer layer, AwqFeatures x, AwqOptions o) {
        x.check(layer);
        List<UnitSearch> out = new ArrayList<>();
        for (Unit u : units(layer)) {
            out.add(searchUnit(layer, x, u, o));
        }
        return out;
    }

    /**
     * One unit's search (§3.2, §3.3): the grid of ratios, the first minimum of the loss. The trials run in libtorch
     * as the reference runs them: {@code W * s}, {@code pseudo_quantize_tensor}, {@code / s}, the module's output,
     * and the loss as a float32 sum (AutoAWQ, divided by the count in double) or mean (llm-awq) of the squared
     * difference; the scales themselves come from {@link #gridScales}.
     */
    public static UnitSearch searchUnit(AwqLayer layer, AwqFeatures x, Unit u, AwqOptions o) {
        CalibrationInputs in = u.input(x);
        List<String> names = u.linears();
        boolean autoawq = o.flavour() == AwqOptions.Flavour.AUTOAWQ;
        // x statistic: mean |x| per input channel
        float[] xs = absMean(in, autoawq);
        // w statistic (duo scaling): mean over the unit's rows of |W| / (group max |W| + 1e-6)
        float[] ws = o.duoScaling() ? weightMean(layer, names, o.group()) : null;
        double[] losses = new double[GRID];
        double best = Double.POSITIVE_INFINITY;
        int bestIndex = -1;
        float[] bestScales = null;
        try (NDManager nd = Djl.newManager(ComputeDevice.CPU)) {
            NDArray xin = nd.create(in.values(), new Shape(in.rows(), in.cols()));           // [n, in]
            NDArray[] w = new NDArray[names.size()];
            for (int i = 0; i < w.length; i++) {
                int[] shape = layer.shape(names.get(i));
                w[i] = nd.create(layer.weight(names.get(i)), new Shape(shape[0], shape[1]));  // [out_i, in]
            }
            NDArray down = u == Unit.GATE_UP
                    ? nd.create(layer.down(), new Shape(layer.hidden(), layer.intermediate())) : null;  // [hidden, inter]
            // the module's output with the original weights
            NDArray org = module(u, xin, w, down);                                           // [n, outs]
            long count = org.size();
            for (int r = 0; r < GRID; r++) {
                float[] s = gridScales(xs, ws, r, autoawq);
                try (NDScope trialScope = new NDScope()) {
                    NDArray sv = nd.create(s);                                               // [in]
                    // every linear: W * s per column, pseudo-quantized, then / s
                    NDArray[] trial = new NDArray[w.length];
                    for (int i = 0; i < w.length; i++) {
                        trial[i] = pseudoQuantized(w[i].mul(sv), o).div(sv);                 // [out_i, in]
                    }
                    // the loss from the squared difference of the module outputs, in float32
                    NDArray squared = org.sub(module(u, xin, trial, down)).square();         // [n, outs]
                    losses[r] = autoawq ? (double) squared.sum().getFloat() / count : squared.mean().getFloat();
                }
                if (losses[r] < best) {
                    best = losses[r];
                    bestIndex = r;
                    bestScales = s;
                }
            }
        }
        if (bestIndex < 0) {
            throw new ArithmeticException("AWQ scale search of unit " + u.label() + ": no finite loss");
        }
        return new UnitSearch(u, losses, bestIndex, bestScales);
    }

    /**
     * The compared module output of unit {@code u} on {@code x [n, in]} with its linears' weights {@code w} (in
     * {@link Unit#linears} order): {@code cat(q x, k x, v x)}, {@code o x}, {@code down(silu(gate x) * up x)} with the
     * original {@code down} ({@code silu(g) = g / (1 + exp(-g))}, libtorch's float32 {@code exp}), or {@code down x}.
     */
    private static NDArray module(Unit u, NDArray x, NDArray[] w, NDArray down) {
        return switch (u) {
            case QKV -> NDArrays.concat(new NDList(x.matMul(w[0].transpose()), x.matMul(w[1].transpose()),
                    x.matMul(w[2].transpose())), 1);                                         // [n, q + k + v]
            case O, DOWN -> x.matMul(w[0].transpose());                                      // [n, out]
            case GATE_UP -> {
                NDArray g = x.matMul(w[0].transpose());                                      // [n, inter]
                NDArray h = g.div(g.neg().exp().add(1f)).mul(x.matMul(w[1].transpose()));   // [n, inter]
                yield h.matMul(down.transpose());                                            // [n, hidden]
            }
        };
    }

    /**
     * {@code pseudo_quantize_tensor} of {@code w [out, in]} in libtorch (§3.1, the same float32 steps as
     * {@link PseudoQuantizer}): groups of {@code g} along the rows; with a zero point {@code scale = max(mx - mn,
     * 1e-5) / (2^b - 1)}, {@code zero = clamp(-round(mn / scale), 0, 2^b - 1)}, {@code (clamp(round(w / scale) + zero,
     * 0, 2^b - 1) - zero) * scale}; without, AutoAWQ's symmetric branch.
     */
    private static NDArray pseudoQuantized(NDArray w, AwqOptions o) {
        Shape shape = w.getShape();
        NDArray g = w.reshape(-1, o.group());                                                // [groups, g]
        int[] axis = {1};
        NDArray q;
        if (o.zeroPoint()) {
            int maxInt = (1 << o.bits()) - 1;
            NDArray mn = g.min(axis, true);                                                  // [groups, 1]
            NDArray scale = g.max(axis, true).sub(mn).clip(1e-5f, Float.POSITIVE_INFINITY).div((float) maxInt);
            NDArray zero = mn.div(scale).round().neg().clip(0, maxInt);                      // [groups, 1]
            q = g.div(scale).round().add(zero).clip(0, maxInt).sub(zero).mul(scale);        // [groups, g]
        } else {
            int half = 1 << (o.bits() - 1);
            NDArray scale = g.abs().max(axis, true).clip(1e-5f, Float.POSITIVE_INFINITY).div((float) (half - 1));
            q = g.div(scale).round().clip(-half, half - 1).mul(scale);                       // [groups, g]
        }
        return q.reshape(shape);                                                             // [out, in]
    }

    /**
     * AutoAWQ's {@code max_chunk_memory} (1 GiB): its mean of {@code |x|} sums the tokens in chunks of
     * {@code 2^30 / (2 * element size * channels)} rows, each chunk's column sum added to a float32 total.
     */
    static final long MAX_CHUNK_MEMORY = 1L << 30;

    /**
     * The x statistic, mean {@code |x|} per input channel, reduced by libtorch as the reference reduces it (its
     * float32 summation order decides the last bit, and one last bit of the largest or smallest scale moves every
     * normalised scale): llm-awq's {@code x.abs().mean(0)}, or AutoAWQ's chunked float32 sum divided by the token
     * count (float32 features, 4-byte elements).
     */
    static float[] absMean(CalibrationInputs x, boolean autoawq) {
        int rows = x.rows();
        int cols = x.cols();
        try (NDManager nd = Djl.newManager(ComputeDevice.CPU)) {
            NDArray abs = nd.create(x.values(), new Shape(rows, cols)).abs();        // [rows, cols]
            if (!autoawq) {
                return abs.mean(new int[] {0}).toFloatArray();                      // [cols]
            }
            long chunk = Math.max(1, Math.min(rows, MAX_CHUNK_MEMORY / (2L * Float.BYTES * cols)));
            NDArray sum = nd.zeros(new Shape(cols));                                 // [cols]
            for (long start = 0; start < rows; start += chunk) {
                long end = Math.min(rows, start + chunk);
                sum = sum.add(abs.get(start + ":" + end).sum(new int[] {0}));
            }
            return sum.div((float) rows).toFloatArray();                             // [cols]
        }
    }

    /**
     * AutoAWQ's {@code w_mean}: per input column, the mean over all rows of the unit of {@code |W| / (gmax + 1e-6)},
     * the mean reduced by libtorch ({@code w_scale.view(shape).mean(0)}).
     */
    static float[] weightMean(AwqLayer layer, List<String> names, int group) {
        int cols = layer.shape(names.get(0))[1];
        int rows = 0;
        for (String name : names) {
            rows += layer.weight(name).length / cols;
        }
        // the unit's weights concatenated along the rows, each group divided by its max |W| + 1e-6
        float[] scaled = new float[rows * cols];                 // [rows, cols]
        int at = 0;
        for (String name : names) {
            float[] w = layer.weight(name);
            for (int g0 = 0; g0 < w.length; g0 += group) {
                float max = 0f;
                for (int j = g0; j < g0 + group; j++) {
                    max = Math.max(max, Math.abs(w[j]));
                }
                float denom = max + 1e-6f;
                for (int j = g0; j < g0 + group; j++) {
                    scaled[at + j] = Math.abs(w[j]) / denom;
                }
            }
            at += w.length;
        }
        // the column means as libtorch reduces them
        try (NDManager nd = Djl.newManager(ComputeDevice.CPU)) {
            return nd.create(scaled, new Shape(rows, cols)).mean(new int[] {0}).toFloatArray();   // [cols]
        }
    }

    /**
     * {@code v.pow(e)} as torch computes it for a float32 tensor and a Python float exponent: {@code e = 0} fills
     * ones, {@code e = 1} copies, {@code e = 0.5} is the (correctly rounded) square root, every other exponent
     * libtorch's vectorised float32 {@code pow} (not correctly rounded: it differs from {@code Math.pow} in the last
     * bit for a few per cent of values).
     */
    static float[] torchPow(float[] v, float e) {
        float[] out = new float[v.length];                       // [n]
        if (e == 0f) {
            java.util.Arrays.fill(out, 1f);
        } else if (e == 1f) {
            System.arraycopy(v, 0, out, 0, v.length);
        } else if (e == 0.5f) {
            for (int i = 0; i < v.length; i++) {
                out[i] = (float) Math.sqrt(v[i]);
            }
        } else {
            try (NDManager nd = Djl.newManager(ComputeDevice.CPU)) {
                return nd.create(v).pow(e).toFloatArray();
            }
        }
        return out;
    }

    /** The scales of ratio {@code r / GRID}: the flavour's formula, clamped to 1e-4, normalised by {@code sqrt(max*min)}. */
    static float[] gridScales(float[] xs, float[] ws, int r, boolean autoawq) {
        float ratio = (float) (r / (double) GRID);
        float inverse = (float) (1 - r / (double) GRID);
        float[] px = torchPow(xs, ratio);                        // [in]
        float[] pw = ws == null ? null : torchPow(ws, inverse);  // [in]
        float[] s = new float[xs.length];                        // [in]
        float max = Float.NEGATIVE_INFINITY;
        float min = Float.POSITIVE_INFINITY;
        for (int j = 0; j < s.length; j++) {
            float p = px[j];
            if (pw != null) {
                p = p / (pw[j] + 1e-4f);
            }
            s[j] = clampMin(p, 1e-4f);
            max = Math.max(max, s[j]);
            min = Math.min(min, s[j]);
        }
        float norm = (float) Math.sqrt(max * min);
        for (int j = 0; j < s.length; j++) {
            s[j] = s[j] / norm;
            if (autoawq && !Float.isFinite(s[j])) {
                s[j] = 1f;
            }
        }
        return s;
    }

    /**
     * {@code apply_scale} in the units' order: a norm as previous op is divided by {@code s}, the unit's linears'
     * columns multiplied, a linear as previous op (v_proj for o, up_proj for down) has its rows divided, and the unit's
     * input features are divided. v_proj and up_proj are multiplied per column before they are divided per row.
     *
     * @param scales per unit its {@code [in]} scales; units not present are left alone
     */
    public static Scaled applyScales(AwqLayer layer, AwqFeatures x, Map<Unit, float[]> scales) {
        Map<String, float[]> w = new LinkedHashMap<>();
        for (String name : AwqLayer.LINEARS) {
            w.put(name, layer.weight(name).clone());
        }
        float[] inputNorm = layer.inputNorm().clone();
        float[] postNorm = layer.postNorm().clone();
        CalibrationInputs[] in = {x.attn(), x.o(), x.mlp(), x.down()};
        for (Unit u : Unit.values()) {
            float[] s = scales.get(u);
            if (s == null) {
                continue;
            }
            // previous op: norm weights divided, or the last len(s) rows of the previous linear divided
            switch (u) {
                case QKV -> divide(inputNorm, s);
                case GATE_UP -> divide(postNorm, s);
                case O -> divideRows(w.get("self_attn.v_proj"), layer.hidden(), s);
                case DOWN -> divideRows(w.get("mlp.up_proj"), layer.hidden(), s);
            }
            // the unit's linears: columns multiplied
            for (String name : u.linears()) {
                multiplyColumns(w.get(name), s);
            }
            // the unit's input features divided per column
            CalibrationInputs f = in[u.ordinal()];
            float[] v = f.values().clone();
            multiplyColumns(v, s, true);
            in[u.ordinal()] = new CalibrationInputs(v, f.rows(), f.cols());
        }
        return new Scaled(layer.with(inputNorm, postNorm, w), new AwqFeatures(in[0], in[1], in[2], in[3]));
    }

    private static void divide(float[] v, float[] s) {
        if (v.length != s.length) {
            throw new IllegalArgumentException(s.length + " scales for a norm of " + v.length);
        }
        for (int j = 0; j < v.length; j++) {
            v[j] = v[j] / s[j];
        }
    }

    /** {@code w[first + j, :] /= s[j]} for the last {@code len(s)} rows of {@code w [rows, cols]}. */
    private static void divideRows(float[] w, int cols, float[] s) {
        int first = w.length / cols - s.length;
        for (int j = 0; j < s.length; j++) {
            for (int c = 0; c < cols; c++) {
                w[(first + j) * cols + c] = w[(first + j) * cols + c] / s[j];
            }
        }
    }

    private static void multiplyColumns(float[] w, float[] s) {
        multiplyColumns(w, s, false);
    }

    /** {@code w[:, j] *= s[j]} (or {@code /=}) for a row-major matrix {@code s.length} wide. */
    private static void multiplyColumns(float[] w, float[] s, boolean divide) {
        int cols = s.length;
        if (w.length % cols != 0) {
            throw new IllegalArgumentException(cols + " scales for a matrix of " + w.length + " values");
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = divide ? w[i] / s[i % cols] : w[i] * s[i % cols];
        }
    }

    /**
     * The clip search for v, o, gate, up and down (never q, k) on the scaled weights and features, {@code apply_clip},
     * then {@code pseudo_quantize_tensor} of all seven.
     */
    public static Quantized clipAndQuantize(Scaled scaled, AwqOptions o) {
        AwqLayer layer = scaled.layer();
        AwqFeatures x = scaled.features();
        Map<String, CalibrationInputs> inputs = Map.of("self_attn.v_proj", x.attn(), "self_attn.o_proj", x.o(),
                "mlp.gate_proj", x.mlp(), "mlp.up_proj", x.mlp(), "mlp.down_proj", x.down());
        Map<String, float[]> clipMax = new LinkedHashMap<>();
        Map<String, AwqMatrix> matrices = new LinkedHashMap<>();
        for (String name : AwqLayer.LINEARS) {
            int[] shape = layer.shape(name);
            float[] w = layer.weight(name);
            CalibrationInputs in = inputs.get(name);
            if (in != null) {
                float[] m = ClipSearch.search(w, shape[0], shape[1], in, o);
                clipMax.put(name, m);
                w = ClipSearch.apply(w, shape[1], o.group(), m);
            }
            matrices.put(name, PseudoQuantizer.quantize(w, shape[0], shape[1], o.bits(), o.group(), o.zeroPoint()));
        }
        return new Quantized(clipMax, matrices);
    }

    /** {@code max(v, lo)} that keeps {@code -0.0} against {@code lo = 0} and passes NaN, as torch's clamp. */
    static float clampMin(float v, float lo) {
        return v < lo ? lo : v;
    }
}
