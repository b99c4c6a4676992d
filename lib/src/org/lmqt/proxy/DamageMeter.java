package org.lmqt.proxy;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.UserException;
import org.lmqt.eval.KlDivergence;
import org.lmqt.eval.MemoryProbe;
import org.lmqt.eval.Perplexity;
import org.lmqt.eval.ReferenceLogits;
import org.lmqt.model.ForwardHook;
import org.lmqt.model.LinearFactory;
import org.lmqt.model.LinearLayer;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.MatrixOverrides;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.MatrixChoice;
import org.lmqt.quant.MatrixQuantizers;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.gptq.GptqHessian;
import org.lmqt.quant.gptq.GptqQuantizer;
import org.lmqt.quant.QuantizedMatrix;
import org.lmqt.quant.WeightQuantizer;

/**
 * Measures the damage of quantizing one unit at a time on one loaded full-precision model: the unit's matrices are
 * quantized with {@code choice}, built into the layers a model loaded with them quantized would have
 * ({@link LinearFactory#STANDARD}), and swapped in for one perplexity pass and one KL pass ({@link LayerSwap}); the
 * reference logits of the unquantized model are computed once into a file and reused for every unit. GPTQ
 * calibrates each matrix on its inputs in the unquantized model (every other matrix is unquantized, so these are
 * the inputs it sees; AutoGPTQ's block-wise run feeds it earlier blocks' quantized outputs instead): one calibration
 * pass per unit, AutoGPTQ's {@code add_batch} per window, then {@code fasterquant} with AutoGPTQ's defaults.
 */
public final class DamageMeter implements AutoCloseable {
    private final LlamaModel model;
    private final WeightSource weights;
    private final MatrixChoice choice;
    private final WeightQuantizer kernel;
    private final Perplexity protocol;
    private final long[] ids;               // [N] the evaluation tokens
    private final ReferenceLogits reference;
    private final double basePerplexity;
    private final long[][] calibration;     // [windows][length] GPTQ's calibration tokens (none for other methods)

    /**
     * @param model     the unquantized model (not closed here)
     * @param weights   its checkpoint (the matrices to quantize; not closed here)
     * @param choice    method and config every unit is quantized with
     * @param kernel    the HQQ/RTN kernel
     * @param protocol  perplexity windows
     * @param ids       evaluation tokens
     * @param logits    where the reference logits are kept (reused when they fit {@code protocol} and {@code ids})
     * @param calibration GPTQ's calibration windows {@code [windows][length]} (empty for the other methods)
     * @param onWindow  sees each finished window of the reference passes
     */
    public DamageMeter(LlamaModel model, WeightSource weights, MatrixChoice choice, WeightQuantizer kernel,
                       Perplexity protocol, long[] ids, Path logits, long[][] calibration, IntConsumer onWindow) {
        if (choice.method() == QuantMethod.GPTQ && calibration.length == 0) {
            throw new UserException("gptq needs calibration windows");
        }
        if (choice.method().isCalibrated() && choice.method() != QuantMethod.GPTQ) {
            throw new UserException(choice.method().name().toLowerCase(java.util.Locale.ROOT) + " searches scales "
                    + "for whole blocks; correlate quantizes with hqq, rtn, nf4, int8 or gptq");
        }
        this.calibration = calibration.clone();
        if (ids.length < 2) {
            throw new UserException("evaluation text too short: " + ids.length + " token(s); need at least 2");
        }
        this.model = model;
        this.weights = weights;
        this.choice = choice;
        this.kernel = kernel;
        this.protocol = protocol;
        this.ids = ids.clone();
        this.basePerplexity = perplexity(onWindow);
        this.reference = reference(logits, onWindow);
    }

    /** The unquantized model's perplexity. */
    public double basePerplexity() {
        return basePerplexity;
    }

    /** Tokens of the evaluation text. */
    public int tokens() {
        return ids.length;
    }

    /** Windows {@link #measure} runs per unit: two passes over the text, and GPTQ's calibration windows. */
    public int windowsPerUnit() {
        return 2 * protocol.windows(ids.length).length + calibration.length;
    }

    /**
     * The damage of quantizing {@code unit} alone; {@code onWindow} sees each window of its two passes (and, for
     * GPTQ, each calibration window before them).
     */
    public Damage measure(Unit unit, IntConsumer onWindow) {
        try (NDManager layers = model.manager().newSubManager()) {
            Map<MatrixKey, GptqHessian> hessians = choice.method() == QuantMethod.GPTQ ? hessians(unit, onWindow)
                    : Map.of();
            Map<MatrixKey, LinearLayer> swapped = new LinkedHashMap<>();
            for (MatrixKey key : unit.matrices()) {
                swapped.put(key, quantizedLayer(key, Optional.ofNullable(hessians.get(key)), layers));
            }
            try (var hook = model.addHook(new LayerSwap(swapped))) {
                double ppl = perplexity(onWindow);
                KlDivergence.Result kl = new KlDivergence(protocol).evaluate(model, reference, ids, onWindow);
                return new Damage(ppl, ppl - basePerplexity, kl);
            }
        }
    }

    /**
     * The layer of {@code key} as a model loaded with that matrix quantized builds it, on {@code manager}; GPTQ
     * quantizes with the matrix's {@code hessian}.
     */
    private LinearLayer quantizedLayer(MatrixKey key, Optional<GptqHessian> hessian, NDManager manager) {
        Tensor w = weights.tensor(key.weightName(weights.family()));          // [out, in]
        QuantizedMatrix q = hessian.isPresent()
                ? new GptqQuantizer().quantize(w.data(), w.shape(), choice.config(), hessian.get()).matrix()
                : MatrixQuantizers.of(choice, kernel).quantize(w.data(), w.shape(), choice.config(), Optional.empty());
        LinearLayer fp = model.block(key.layer()).linear(key.module());
        return LinearFactory.STANDARD.build(key, new MatrixOverrides(weights, Map.of(key, q)), fp.outFeatures(),
                fp.inFeatures(), manager, model.device());
    }

    /**
     * GPTQ's Hessian of every matrix of {@code unit}: the unquantized model runs every calibration window, each
     * matrix's input {@code [length, in]} added as one sequence ({@code add_batch} with batch size 1).
     */
    private Map<MatrixKey, GptqHessian> hessians(Unit unit, IntConsumer onWindow) {
        Map<MatrixKey, GptqHessian> out = new LinkedHashMap<>();
        for (MatrixKey key : unit.matrices()) {
            out.put(key, new GptqHessian(model.block(key.layer()).linear(key.module()).inFeatures()));
        }
        ForwardHook capture = new ForwardHook() {
            @Override
            public ai.djl.ndarray.NDArray linearInput(MatrixKey key, ai.djl.ndarray.NDArray x) {
                GptqHessian h = out.get(key);
                if (h != null) {
                    h.addSequence(x);                                        // x [length, in]
                }
                return x;
            }
        };
        try (var hook = model.addHook(capture)) {
            for (int k = 0; k < calibration.length; k++) {
                try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
                    model.hidden(calibration[k]);                            // [length, hidden], discarded
                }
                onWindow.accept(k);
            }
        }
        return out;
    }

    private double perplexity(IntConsumer onWindow) {
        return protocol.evaluate(model, ids, new MemoryProbe(model.device()), onWindow).perplexity();
    }

    /** The saved reference logits at {@code file}; computed first when missing or made for other tokens. */
    private ReferenceLogits reference(Path file, IntConsumer onWindow) {
        if (Files.isRegularFile(file)) {
            try {
                ReferenceLogits saved = ReferenceLogits.saved(file, protocol, ids, model.manager());
                if (sameFirstRow(saved)) {
                    return saved;
                }
                saved.close();
            } catch (UserException stale) {
                // logits of another text or protocol: computed again below
            }
        }
        ReferenceLogits.save(model, protocol, ids, file, onWindow);
        return ReferenceLogits.saved(file, protocol, ids, model.manager());
    }

    /**
     * True when the file's first logits row equals this model's: the file's metadata names the tokens and windows,
     * not the model, so a file another model wrote for the same text is caught here.
     */
    private boolean sameFirstRow(ReferenceLogits saved) {
        if (saved.vocabSize() != model.vocabSize()) {
            return false;
        }
        Perplexity.Window w = protocol.windows(ids.length)[0];
        if (w.end() - w.begin() < 2) {
            return true;      // a one-token first window predicts nothing
        }
        long[] input = java.util.Arrays.copyOfRange(ids, w.begin(), w.end());   // [len]
        try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
            // window 0 scores from its first token on, so its first saved row is row 0
            return saved.window(0, input).logits(0, 1)                          // [1, V]
                    .contentEquals(ReferenceLogits.of(model).window(0, input).logits(0, 1));
        }
    }

    @Override
    public void close() {
        reference.close();
    }
}
