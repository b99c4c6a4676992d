package org.lmqt.lkd;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lmqt.actquant.FakeQuantRecipe;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.cli.UserException;
import org.lmqt.model.DecoderBlock;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.MatrixOverrides;
import org.lmqt.model.Positions;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.FakeQuantMatrix;
import org.lmqt.quant.act.ActFormat;

/**
 * ZeroQuant's layer-wise knowledge distillation (LKD) as qllm-infer runs it (act-kv-methods-spec §4.2): the
 * teacher is the unquantized model; for each trained layer {@code l}, the student is block {@code l} with every
 * linear fake-quantized by the recipe ({@link SteLinear}: weights and inputs quantized on every forward, gradients
 * straight through). Per step, a batch of calibration windows goes through the teacher up to layer {@code l}
 * (its input, {@code hidden_states[l]}), teacher and student block {@code l} run on it at positions 0..T-1, the loss
 * is the MSE of their outputs (mean over windows, tokens and features, as {@code nn.MSELoss} on the batch), and
 * {@link AdamW} updates all the student block's parameters (the seven weights, the two norm weights, biases where the
 * family has them; weight decay on everything but biases: qllm-infer exempts names containing {@code bias} or
 * {@code RMSNorm.weight}, which no Llama parameter name contains, so the norms are decayed). No scheduler, no
 * clipping. The parameters are trained in float32 (cast to the device's type for the forward pass).
 * <p>Deliberate differences: qllm-infer hard-codes layer 31 and 128 random WikiText-2 windows of 2048 tokens
 * (seed 0); here the layers and the calibration windows are the caller's. Layers listed together are trained one
 * after the other, each on the teacher's inputs (their losses share no parameter, so training them in one optimizer
 * would give the same result).
 * <p>Reproducibility: the same loaded teacher and windows give bit-identical weights; a fresh load of the model (or
 * another process) differs at float-rounding level after some steps, for a reason not found. ZeroQuant's inputs are
 * quantized on the device ({@link Ste#deepSpeedPerToken}): reading them into Java during the forward pass made the
 * gradients depend on garbage collections.
 */
public final class LayerDistillation {
    private LayerDistillation() {}

    /** Sees each step: layer, step (from 0), the batch's loss before the update. */
    @FunctionalInterface
    public interface Progress {
        void step(int layer, int step, double loss);
    }

    /**
     * What training changed.
     *
     * @param tensors the trained float32 tensors by name (weights, norm weights, biases of the trained layers)
     * @param losses  per trained layer, the loss of every step (before its update)
     */
    public record Result(Map<String, float[]> tensors, Map<Integer, double[]> losses) {
        public Result {
            tensors = Map.copyOf(tensors);
            losses = Map.copyOf(losses);
        }
    }

    /**
     * Trains the layers {@code config} names. {@code teacher} is the unquantized model of {@code weights} (no
     * hooks); {@code recipe} gives each linear's weight and input quantization.
     */
    public static Result train(LlamaModel teacher, WeightSource weights, FakeQuantRecipe recipe, long[][] windows,
                               LkdConfig config, Progress progress) {
        return train(teacher, weights, recipe, windows, config, progress, TEACHER_CACHE_BYTES);
    }

    /**
     * The teacher's layer inputs and outputs of all windows are computed once and kept when they fit in this many
     * bytes (the teacher is deterministic, so the result is the same as recomputing them every step, as qllm-infer
     * does); above it they are recomputed per batch.
     */
    public static final long TEACHER_CACHE_BYTES = 512L << 20;

    /** As {@link #train(LlamaModel, WeightSource, FakeQuantRecipe, long[][], LkdConfig, Progress)}, with a cache budget. */
    public static Result train(LlamaModel teacher, WeightSource weights, FakeQuantRecipe recipe, long[][] windows,
                               LkdConfig config, Progress progress, long teacherCacheBytes) {
        if (windows.length == 0) {
            throw new UserException("LKD needs at least one calibration window");
        }
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<Integer, double[]> losses = new LinkedHashMap<>();
        List<Integer> layers;
        try {
            layers = config.layerIndices(teacher.numLayers());
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        for (int l : layers) {
            losses.put(l, trainLayer(teacher, weights, recipe, windows, config, l, tensors, progress,
                    teacherCacheBytes));
        }
        return new Result(tensors, losses);
    }

    /**
     * The deployed weights after training: every linear of the recipe fake-quantized from its (trained) float
     * weight, the trained norm weights and biases as float32. Closing it closes {@code base}.
     */
    public static MatrixOverrides deploy(WeightSource base, FakeQuantRecipe recipe, Result trained) {
        Map<MatrixKey, FakeQuantMatrix> matrices = recipe.quantizeWeights(
                new MatrixOverrides(new Unclosed(base), Map.of(), trained.tensors()), base.config().numLayers());
        Map<String, float[]> others = new LinkedHashMap<>(trained.tensors());
        others.keySet().removeIf(n -> MatrixKey.ofWeight(n, base.family()).isPresent());
        return new MatrixOverrides(base, matrices, others);
    }

    private static double[] trainLayer(LlamaModel teacher, WeightSource weights, FakeQuantRecipe recipe,
                                       long[][] windows, LkdConfig config, int layer, Map<String, float[]> out,
                                       Progress progress, long teacherCacheBytes) {
        ModelFamily family = weights.family();
        String prefix = family.layerPrefix() + layer + ".";
        String inNorm = prefix + "input_layernorm.weight";
        String postNorm = prefix + "post_attention_layernorm.weight";
        DataType type = teacher.device().weightType();
        double[] losses = new double[config.steps()];
        try (NDManager manager = teacher.manager().newSubManager()) {
            // float32 master copies of the block's parameters
            Map<String, NDArray> masters = new LinkedHashMap<>();
            List<String> names = new ArrayList<>(List.of(inNorm, postNorm));
            for (String module : DecoderBlock.MODULES) {
                MatrixKey k = new MatrixKey(layer, module);
                names.add(k.weightName(family));
                if (weights.contains(k.biasName(family))) {
                    names.add(k.biasName(family));
                }
            }
            for (String n : names) {
                var t = weights.tensor(n);
                NDArray a = manager.create(t.data(), new Shape(Arrays.stream(t.shape()).asLongStream().toArray()));
                NDScope.unregister(a);
                masters.put(n, a);
            }
            AdamW optimizer = new AdamW(config.optimizer());
            DecoderBlock base = teacher.block(layer);
            Optional<org.lmqt.quant.act.ActivationQuantizer> act = recipe.activations().map(ActFormat::quantizer);
            // ZeroQuant's inputs (DeepSpeed symmetric per token) quantized on the device: see deviceActBits
            String actName = recipe.activations().map(ActFormat::name).orElse("");
            int deviceActBits = actName.equals("zq-int8") ? 8 : actName.equals("zq-int4") ? 4 : 0;
            int batches = (windows.length + config.batch() - 1) / config.batch();
            // the teacher's inputs and outputs of every window, once, when they fit
            long tokens = 0;
            for (long[] w : windows) {
                tokens += w.length;
            }
            boolean cached = config.steps() > batches
                    && tokens * teacher.config().hiddenSize() * 2L * 4 <= teacherCacheBytes;
            List<NDArray[]> cache = new ArrayList<>();
            if (cached) {
                for (long[] w : windows) {
                    try (NDScope scope = new NDScope()) {
                        NDArray[] io = teacherIo(teacher, w, layer);
                        io[0].attach(manager);
                        io[1].attach(manager);
                        NDScope.unregister(io);
                        cache.add(io);
                    }
                }
            }
            for (int step = 0; step < config.steps(); step++) {
                int from = (step % batches) * config.batch();
                int to = Math.min(windows.length, from + config.batch());
                try (NDScope scope = new NDScope()) {
                    // 1. the teacher: layer input and output of every window of the batch (no gradient)
                    List<NDArray[]> batch = new ArrayList<>();
                    List<Positions> positions = new ArrayList<>();
                    for (int w = from; w < to; w++) {
                        batch.add(cached ? cache.get(w) : teacherIo(teacher, windows[w], layer));
                        positions.add(teacher.positions(0, windows[w].length));
                    }
                    // 2. the student: trainable leaves in the device's type, fake-quantized linears
                    Map<String, NDArray> leaves = new LinkedHashMap<>();
                    for (var e : masters.entrySet()) {
                        NDArray leaf = e.getValue().toType(type, true);
                        leaf.setRequiresGradient(true);
                        leaves.put(e.getKey(), leaf);
                    }
                    DecoderBlock student = base.withNorms(leaves.get(inNorm), leaves.get(postNorm));
                    for (String module : DecoderBlock.MODULES) {
                        MatrixKey k = new MatrixKey(layer, module);
                        student = student.withLinear(new SteLinear(k, leaves.get(k.weightName(family)),
                                leaves.get(k.biasName(family)), recipe.weights().apply(k), act, deviceActBits));
                    }
                    // 3. MSE of the outputs, mean over the batch; gradients of every leaf
                    NDArray loss;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        loss = null;
                        for (int b = 0; b < batch.size(); b++) {
                            NDArray y = student.forward(batch.get(b)[0], positions.get(b), null, List.of()) // [T, hidden]
                                    .toType(DataType.FLOAT32, false);
                            NDArray mse = y.sub(batch.get(b)[1]).square().mean();           // []
                            loss = loss == null ? mse : loss.add(mse);
                        }
                        loss = loss.div(batch.size());
                        gc.backward(loss);
                    }
                    losses[step] = loss.getFloat();
                    // 4. AdamW on the float32 masters (weight decay except biases)
                    for (var e : masters.entrySet()) {
                        NDArray grad = leaves.get(e.getKey()).getGradient().toType(DataType.FLOAT32, true);
                        optimizer.update(e.getKey(), e.getValue(), grad, !e.getKey().contains("bias"));
                    }
                }
                progress.step(layer, step, losses[step]);
            }
            for (var e : masters.entrySet()) {
                out.put(e.getKey(), e.getValue().toFloatArray());
            }
            optimizer.clear();
        }
        return losses;
    }

    /** The teacher's input of {@code layer} ({@code hidden_states[layer]}) and its output in float32, {@code [T, hidden]}. */
    private static NDArray[] teacherIo(LlamaModel teacher, long[] window, int layer) {
        Positions pos = teacher.positions(0, window.length);
        NDArray x = teacher.embed(window);                                               // [T, hidden]
        for (int i = 0; i < layer; i++) {
            x = teacher.block(i, x, pos);                                                // [T, hidden]
        }
        return new NDArray[] {x, teacher.block(layer, x, pos).toType(DataType.FLOAT32, false)};
    }

    /** A view of a source whose close does nothing. */
    private record Unclosed(WeightSource base) implements WeightSource {
        @Override
        public org.lmqt.checkpoint.ModelConfig config() {
            return base.config();
        }

        @Override
        public boolean contains(String name) {
            return base.contains(name);
        }

        @Override
        public Optional<org.lmqt.quant.QuantizedMatrix> quantized(MatrixKey key) {
            return base.quantized(key);
        }

        @Override
        public org.lmqt.checkpoint.Tensor tensor(String name) {
            return base.tensor(name);
        }

        @Override
        public void close() {
        }
    }
}
