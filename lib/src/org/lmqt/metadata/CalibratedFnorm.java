package org.lmqt.metadata;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.ProgressBar;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.layerwise.AwqModelQuantizer;
import org.lmqt.layerwise.CalibratedQuantization;
import org.lmqt.model.ActivationCapture;
import org.lmqt.model.BlockInputs;
import org.lmqt.model.ForwardHook;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.Positions;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.CalibrationInputs;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.awq.Awq;
import org.lmqt.quant.awq.AwqFeatures;
import org.lmqt.quant.awq.AwqLayer;
import org.lmqt.quant.awq.AwqOptions;
import org.lmqt.quant.gptq.GptqHessian;
import org.lmqt.quant.gptq.GptqOptions;
import org.lmqt.quant.gptq.GptqQuantizer;

/**
 * The FNorm rows of GPTQ or AWQ, streamed block by block over the calibration windows: one forward of the
 * <b>unquantized</b> block gives every block part's inputs (and the next block's input), and each config quantizes the
 * block's matrices independently from those same inputs. This differs on purpose from a real GPTQ run, where a layer's
 * Hessian comes from inputs through the already quantized earlier layers (true-sequential): a table row must not
 * depend on which configs the other matrices get, which MXQ has not chosen yet. (AWQ itself calibrates on the
 * unquantized model's inputs, so its rows are what a uniform AWQ run of that config quantizes.)
 * <ul>
 * <li>GPTQ: per block part one Hessian accumulated as AutoGPTQ's {@code add_batch} (one sequence per window) and one
 * float64 Gram matrix {@code G = Xᵀ X}; per config and matrix {@code GptqQuantizer} from that Hessian.</li>
 * <li>AWQ: the parts' inputs captured (as {@link AwqModelQuantizer} holds them), then per config the block's scale
 * search, clip and quantization ({@link Awq#quantize}); the weight compared is the one the layer computes with in the
 * original coordinates, {@code diag(r) deq(Q) diag(1/s)}: {@code s} its unit's input scales (folded into the norm or
 * the previous linear), {@code r} the scales of the next unit folded into its rows (v_proj's by o's, up_proj's by
 * down's).</li>
 * </ul>
 * The output error is {@code sqrt(Σ_rows d Gᵀ d)} with {@code d} a row of {@code W - Q}, which equals
 * {@code ||X Wᵀ - X Qᵀ||_F} over all calibration tokens without holding them. Only one block's inputs (and, for AWQ,
 * its parts' inputs) are in memory. Finished blocks are appended to a part file, so a killed run resumes from the
 * last finished block (the blocks before it still run forward, unquantized).
 */
final class CalibratedFnorm {
    private final QuantMethod method;
    private final int threads;
    private final ComputeDevice device;

    CalibratedFnorm(QuantMethod method, int threads, ComputeDevice device) {
        if (!method.isCalibrated()) {
            throw new IllegalArgumentException(method + " is not calibrated");
        }
        this.method = method;
        this.threads = threads;
        this.device = device;
    }

    /** The table's rows (without header) for {@code ckpt}, resuming from {@code part} when it matches. */
    List<String> rows(Checkpoint ckpt, long[][] windows, Path part) {
        if (windows == null || windows.length == 0) {
            throw new UserException(MethodFnorm.cliName(method) + " needs calibration windows; the calibration set "
                    + "gave none");
        }
        List<QuantConfig> configs = MethodFnorm.configs(method);
        ModelFamily family = ckpt.family();
        int layers = ckpt.config().numLayers();
        List<String> modules = family.linearModules();
        for (int l = 0; l < layers; l++) {
            for (String m : modules) {
                ckpt.entry(family.weightName(l, m));   // a missing tensor fails before any work
            }
        }
        int perBlock = modules.size() * configs.size();
        String fingerprint = fingerprint(method, ckpt, windows);
        List<String> rows = resumed(part, fingerprint, perBlock);
        int done = rows.size() / perBlock;
        if (done == 0) {
            rewrite(part, List.of(fingerprint));
        }
        WeightSource weights = WeightSource.of(ckpt);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        int length = windows[0].length;
        try (LlamaModel fp = LlamaModel.load(weights, device);
             BlockInputs inputs = BlockInputs.embed(fp, windows);
             ProgressBar bar = new ProgressBar("fnorm " + MethodFnorm.cliName(method) + " " + ckpt.shortId(), layers)) {
            for (int i = 0; i < layers; i++) {
                int block = i;
                if (i < done) {
                    // finished before: only its output for the next block
                    try (NDScope scope = new NDScope()) {
                        Positions pos = fp.positions(0, length);
                        inputs.advance(h -> fp.block(block, h, pos));
                    }
                    bar.step();
                    continue;
                }
                List<String> blockRows = method == QuantMethod.GPTQ
                        ? gptqBlock(fp, weights, inputs, i, length, configs, pool)
                        : awqBlock(fp, weights, inputs, i, length, configs, pool);
                MethodFnorm.append(part, blockRows);
                rows.addAll(blockRows);
                bar.step();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return rows;   // block by block, each module-major then by config: the table's order
    }

    /** The part file's first line: the method and its configs, the checkpoint and the windows. */
    static String fingerprint(QuantMethod method, Checkpoint ckpt, long[][] windows) {
        List<QuantConfig> configs = MethodFnorm.configs(method);
        return "# " + CalibratedQuantization.fingerprint(method, configs.getFirst(), ckpt, windows)
                .replace('\n', ' ').strip() + " configs " + configs;
    }

    /** GPTQ rows of block {@code i}: Hessians and Grams from one forward, then every matrix at every config. */
    private List<String> gptqBlock(LlamaModel fp, WeightSource weights, BlockInputs inputs, int i, int length,
                                   List<QuantConfig> configs, ExecutorService pool)
            throws InterruptedException, ExecutionException {
        Map<BlockPart, GptqHessian> hessians = new EnumMap<>(BlockPart.class);
        Map<BlockPart, double[]> grams = new EnumMap<>(BlockPart.class);
        try (NDManager gm = fp.manager().newSubManager()) {
            Map<BlockPart, NDArray> deviceGrams = new EnumMap<>(BlockPart.class);
            ForwardHook hook = new ForwardHook() {
                @Override
                public NDArray partInput(int layer, BlockPart p, NDArray x) {
                    if (layer == i) {
                        int cols = (int) x.getShape().get(1);
                        // one add_batch per window, as AutoGPTQ; and G += xᵀ x in float64
                        hessians.computeIfAbsent(p, k -> new GptqHessian(cols)).addSequence(x);   // x [length, in]
                        NDArray x64 = x.toType(DataType.FLOAT64, false);                        // [length, in]
                        NDArray g = deviceGrams.computeIfAbsent(p, k -> {
                            NDArray z = gm.zeros(new Shape(cols, cols), DataType.FLOAT64);      // [in, in]
                            NDScope.unregister(z);
                            return z;
                        });
                        g.addi(x64.transpose().matMul(x64));
                    }
                    return x;
                }
            };
            try (NDScope scope = new NDScope(); var reg = fp.addHook(hook)) {
                Positions pos = fp.positions(0, length);
                inputs.advance(h -> fp.block(i, h, pos));
            }
            deviceGrams.forEach((p, g) -> grams.put(p, g.toDoubleArray()));
        }
        hessians.values().forEach(GptqHessian::values);   // brings each Hessian back once, before the workers read it
        GptqQuantizer gptq = new GptqQuantizer(GptqOptions.DEFAULT);
        List<String> rows = new ArrayList<>();
        for (String module : weights.family().linearModules()) {
            // one matrix at a time, its configs in parallel (so only its dequantized weights are held)
            MatrixKey key = new MatrixKey(i, module);
            Tensor w = weights.tensor(key.weightName(weights.family()));                         // [out, in]
            BlockPart part = BlockPart.ofModule(module);
            GptqHessian h = hessians.get(part);
            List<MatrixJob> jobs = new ArrayList<>();
            for (QuantConfig c : configs) {
                jobs.add(new MatrixJob(key, c, w, grams.get(part),
                        pool.submit(() -> gptq.quantize(w.data(), w.shape(), c, h).matrix().dequantize())));
            }
            rows.addAll(finish(jobs));
        }
        return rows;
    }

    /** AWQ rows of block {@code i}: the parts' inputs captured in one forward, then the block at every config. */
    private List<String> awqBlock(LlamaModel fp, WeightSource weights, BlockInputs inputs, int i, int length,
                                  List<QuantConfig> configs, ExecutorService pool)
            throws InterruptedException, ExecutionException {
        AwqFeatures features;
        try (NDScope scope = new NDScope();
             ActivationCapture capture = new ActivationCapture(fp.manager(), EnumSet.allOf(BlockPart.class));
             var hook = fp.addHook(capture)) {
            Positions pos = fp.positions(0, length);
            inputs.advance(h -> fp.block(i, h, pos));
            features = new AwqFeatures(AwqModelQuantizer.inputs(capture, i, BlockPart.ATTN_IN),
                    AwqModelQuantizer.inputs(capture, i, BlockPart.ATTN_OUT),
                    AwqModelQuantizer.inputs(capture, i, BlockPart.MLP_GATE),
                    AwqModelQuantizer.inputs(capture, i, BlockPart.MLP_DOWN));
        }
        Map<BlockPart, double[]> grams = new EnumMap<>(BlockPart.class);
        grams.put(BlockPart.ATTN_IN, gram(features.attn()));
        grams.put(BlockPart.ATTN_OUT, gram(features.o()));
        grams.put(BlockPart.MLP_GATE, gram(features.mlp()));
        grams.put(BlockPart.MLP_DOWN, gram(features.down()));
        ModelFamily family = weights.family();
        AwqLayer layer = AwqModelQuantizer.layer(weights, family, i);
        // each config's whole-block AWQ in parallel
        Map<QuantConfig, Future<Map<String, float[]>>> effective = new LinkedHashMap<>();
        for (QuantConfig c : configs) {
            AwqOptions o = AwqOptions.of(AwqOptions.Flavour.AUTOAWQ, c.bits(), c.group());
            effective.put(c, pool.submit(() -> effectiveWeights(Awq.quantize(layer, features, o))));
        }
        List<MatrixJob> jobs = new ArrayList<>();
        for (String module : family.linearModules()) {
            MatrixKey key = new MatrixKey(i, module);
            Tensor w = weights.tensor(key.weightName(family));                                 // [out, in]
            for (QuantConfig c : configs) {
                Future<Map<String, float[]>> block = effective.get(c);
                jobs.add(new MatrixJob(key, c, w, grams.get(BlockPart.ofModule(module)),
                        pool.submit(() -> block.get().get(module))));
            }
        }
        return finish(jobs);
    }

    /**
     * The weight each linear computes with in the original coordinates, {@code diag(r) deq(Q) diag(1/s)}; [out, in]
     * per linear.
     */
    static Map<String, float[]> effectiveWeights(Awq.Result r) {
        Map<Awq.Unit, float[]> scales = new EnumMap<>(Awq.Unit.class);
        r.searches().forEach(s -> scales.put(s.unit(), s.scales()));
        Map<String, float[]> out = new LinkedHashMap<>();
        for (var e : r.result().matrices().entrySet()) {
            String name = e.getKey();
            int[] shape = e.getValue().shape();
            float[] q = e.getValue().dequantize();                                             // [out, in]
            // columns: divided by the input scales of the unit the linear belongs to
            for (Awq.Unit u : scales.keySet()) {
                if (u.linears().contains(name)) {
                    float[] s = scales.get(u);
                    for (int k = 0; k < q.length; k++) {
                        q[k] = q[k] / s[k % shape[1]];
                    }
                }
            }
            // rows: the next unit's scales folded into this linear's last rows are multiplied back
            float[] rowScales = name.equals("self_attn.v_proj") ? scales.get(Awq.Unit.O)
                    : name.equals("mlp.up_proj") ? scales.get(Awq.Unit.DOWN) : null;
            if (rowScales != null) {
                int first = shape[0] - rowScales.length;
                for (int j = 0; j < rowScales.length; j++) {
                    for (int c = 0; c < shape[1]; c++) {
                        q[(first + j) * shape[1] + c] *= rowScales[j];
                    }
                }
            }
            out.put(name, q);
        }
        return out;
    }

    /** One matrix at one config: its deployed weight when the worker is done. */
    private record MatrixJob(MatrixKey key, QuantConfig config, Tensor w, double[] gram, Future<float[]> weight) {}

    /** The rows of finished jobs: weight error, and output error from the part's Gram matrix. */
    private List<String> finish(List<MatrixJob> jobs) throws InterruptedException, ExecutionException {
        List<String> rows = new ArrayList<>();
        for (MatrixJob j : jobs) {
            float[] q = j.weight().get();                                                      // [out, in]
            rows.add(MethodFnorm.row(j.key().layer(), j.key().module(), j.config(), MethodFnorm.weightError(j.w(), q),
                    j.w().numel(), outputError(j.w().data(), q, j.w().shape(), j.gram())));
        }
        return rows;
    }

    /** {@code ||X Wᵀ - X Qᵀ||_F = sqrt(Σ_r d_r G d_rᵀ)}, {@code d = W - Q [out, in]}, {@code G = Xᵀ X [in, in]}. */
    private double outputError(float[] w, float[] q, int[] shape, double[] gram) {
        double[] d = new double[w.length];                                                     // [out, in]
        for (int k = 0; k < d.length; k++) {
            d[k] = (double) w[k] - q[k];
        }
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray dd = m.create(d, new Shape(shape[0], shape[1]));                          // [out, in]
            NDArray g = m.create(gram, new Shape(shape[1], shape[1]));                         // [in, in]
            double sum = dd.matMul(g).mul(dd).sum().getDouble();
            return Math.sqrt(Math.max(0, sum));
        }
    }

    /** {@code Xᵀ X} in float64 of captured inputs; [cols, cols]. */
    private static double[] gram(CalibrationInputs x) {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray a = m.create(x.values(), new Shape(x.rows(), x.cols())).toType(DataType.FLOAT64, false);
            return a.transpose().matMul(a).toDoubleArray();
        }
    }

    /** The rows of the part file when it belongs to this run, cut to whole blocks; empty otherwise. */
    private static List<String> resumed(Path part, String fingerprint, int perBlock) {
        if (!Files.isRegularFile(part)) {
            return new ArrayList<>();
        }
        try {
            List<String> lines = Files.readAllLines(part);
            if (lines.isEmpty() || !lines.getFirst().equals(fingerprint)) {
                return new ArrayList<>();
            }
            List<String> rows = new ArrayList<>(lines.subList(1, lines.size()).stream().filter(l -> !l.isBlank())
                    .toList());
            rows = new ArrayList<>(rows.subList(0, rows.size() / perBlock * perBlock));
            List<String> kept = new ArrayList<>();
            kept.add(fingerprint);
            kept.addAll(rows);
            rewrite(part, kept);
            return rows;
        } catch (IOException e) {
            return new ArrayList<>();
        }
    }

    private static void rewrite(Path part, List<String> lines) {
        try {
            Files.createDirectories(part.toAbsolutePath().getParent());
            Files.deleteIfExists(part);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + part + ": " + e.getMessage(), e);
        }
        MethodFnorm.append(part, lines);
    }
}
