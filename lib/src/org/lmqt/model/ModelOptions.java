package org.lmqt.model;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.IntConsumer;
import org.lmqt.calib.CalibrationWindows;
import org.lmqt.calib.GptqCalibration;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.layerwise.BlockStore;
import org.lmqt.layerwise.CalibratedQuantization;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.QuantPlan;
import picocli.CommandLine.Option;

/**
 * The model options every model-running script shares (a picocli mixin): which model, which device, and an
 * optional on-the-fly quantization.
 */
public final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR|HF-ID",
            description = "Model folder, Hugging Face id in the local cache, or a quantized snapshot folder.")
    public String model;

    @Option(names = "--device", paramLabel = "cpu|cuda",
            description = "Where to run (default: $" + ComputeDevice.ENV + ", else cpu). CUDA needs the CUDA "
                    + "libtorch, see the README.")
    public String device;

    @Option(names = "--config", paramLabel = "bXgY",
            description = "Quantize every linear layer with this config before running (e.g. b4g64).")
    public String config;

    @Option(names = "--method", paramLabel = "hqq|rtn|nf4|int8|gptq|awq", defaultValue = "hqq",
            description = "Quantizer for --config (default: ${DEFAULT-VALUE}): hqq, rtn, bitsandbytes' nf4 (NF4 "
                    + "with double quantization, blocks of the group size: b4g64) or int8 (LLM.int8 weights: b8g128), "
                    + "or the calibrated gptq (AutoGPTQ's defaults, e.g. b4g128) and awq (AutoAWQ, b4g128) on --calib.")
    public QuantMethod method;

    @Option(names = "--calib", paramLabel = "FILE",
            description = "gptq/awq: calibration documents (text lines, JSON lines or a CSV with a text column; "
                    + "default: the original's C4 shard from the hub cache).")
    public Path calib;

    @Option(names = "--calib-windows", defaultValue = "1024",
            description = "gptq/awq: calibration windows (default: ${DEFAULT-VALUE}).")
    public int calibWindows;

    @Option(names = "--calib-length", defaultValue = "512",
            description = "gptq/awq: tokens per calibration window (default: ${DEFAULT-VALUE}).")
    public int calibLength;

    @Option(names = "--allocation", paramLabel = "CSV",
            description = "Quantize with an MXQ allocation (quant-cfg-allot-*.csv: layer, module, b1, g1) instead.")
    public Path allocation;

    @Option(names = "--act-quant", paramLabel = "FORMAT",
            description = "Fake-quantize every decoder linear's input: int8 (SmoothQuant per token), int8-tensor, "
                    + "zq-int8 (ZeroQuant), qli-int8, e4m3, e5m2, e2m1 (LLMC, per token), mxfp8, mxfp8-e5m2, mxfp4 "
                    + "(MX, -even for round half to even). Composes with --config/--allocation/--weight-quant.")
    public String actQuant;

    @Option(names = "--weight-quant", paramLabel = "FORMAT",
            description = "Fake-quantize every linear's weight instead of --config: int8-channel, int8-tensor, "
                    + "zq-int8, zq-int4 [-g<N>], qli-int8, e4m3, e5m2, e2m1 [-g<N>] [-qtorch], fp8-block, mxfp8, "
                    + "mxfp4 [-even].")
    public String weightQuant;

    /** The selected device. */
    public ComputeDevice device() {
        return device == null ? ComputeDevice.fromEnvironment() : ComputeDevice.parse(device);
    }

    /** The quantization plan the options ask for, if any. */
    public Optional<QuantPlan> plan(String shortId) {
        if (config != null && allocation != null) {
            throw new UserException("give either --config or --allocation, not both");
        }
        if (config != null) {
            if (method.isCalibrated()) {
                throw new IllegalStateException(method + " quantizes on calibration data: use quantizeCalibrated");
            }
            try {
                return Optional.of(QuantPlan.uniform(method, QuantConfig.parse(config)));
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
        }
        return allocation == null ? Optional.empty() : Optional.of(QuantPlan.fromAllocationCsv(allocation, shortId));
    }

    /** True when the options ask for a calibrated method (gptq, awq). */
    public boolean calibrated() {
        return config != null && method.isCalibrated();
    }

    /** The calibration windows the options name. */
    public CalibrationWindows calibration() {
        try {
            return new CalibrationWindows(Optional.ofNullable(calib),
                    new GptqCalibration.Settings(calibWindows, calibLength, GptqCalibration.Settings.DEFAULT.seed()));
        } catch (IllegalArgumentException e) {
            throw new UserException("--calib-windows and --calib-length: " + e.getMessage());
        }
    }

    /**
     * The calibrated method's weights over {@code ckpt}, calibrated on its tokenizer's windows; {@code onLayer} sees
     * each finished block. Closing the source closes {@code ckpt}.
     */
    public WeightSource quantizeCalibrated(Checkpoint ckpt, IntConsumer onLayer) {
        return quantizeCalibrated(ckpt, onLayer, Optional.empty());
    }

    /**
     * As {@link #quantizeCalibrated(Checkpoint, IntConsumer)}, keeping finished blocks in {@code resumeDir} (a
     * {@link BlockStore}) and resuming from those it holds for the same model, config and windows.
     */
    public WeightSource quantizeCalibrated(Checkpoint ckpt, IntConsumer onLayer, Optional<Path> resumeDir) {
        if (allocation != null) {
            throw new UserException("give either --config or --allocation, not both");
        }
        QuantConfig c;
        long[][] windows;
        try {
            c = QuantConfig.parse(config);
            new org.lmqt.quant.MatrixChoice(method, c);   // the method's bit width
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        try (TextTokenizer tok = TextTokenizer.find(ckpt.dir()).orElseThrow(() -> new UserException(ckpt.dir()
                + ": " + method.name().toLowerCase(java.util.Locale.ROOT) + " calibrates on text and needs the "
                + "model's tokenizer.json"))) {
            windows = calibration().windows(tok::encode);
        }
        long[][] w = windows;
        BlockStore store = resumeDir.map(d -> BlockStore.at(d,
                CalibratedQuantization.fingerprint(method, c, ckpt, w))).orElse(BlockStore.NONE);
        return CalibratedQuantization.quantize(method, ckpt, c, windows, device(), onLayer, store);
    }

    /** Loads the model as the options say, with the activation fake quantization of {@code --act-quant} hooked in. */
    public LoadedModel load() {
        java.nio.file.Path dir = org.lmqt.checkpoint.HubCache.resolve(model);
        String shortId = org.lmqt.checkpoint.HubCache.shortId(model, dir);
        Optional<org.lmqt.quant.act.ActFormat> act = actFormat();
        if (act.isPresent() && org.lmqt.actquant.FakeQuantSnapshot.isSnapshot(dir)) {
            throw new UserException(dir + " is a fake-quantization snapshot that applies its own activation "
                    + "quantization; do not pass --act-quant");
        }
        LoadedModel m;
        if (weightQuant != null) {
            if (config != null || allocation != null) {
                throw new UserException("give either --weight-quant or --config/--allocation, not both");
            }
            if (QuantizedSnapshot.isSnapshot(dir)) {
                throw new UserException(dir + " is already a quantized snapshot; do not pass --weight-quant");
            }
            m = org.lmqt.actquant.FakeQuantLoading.open(dir, shortId, weightFormat(), device());
        } else if (calibrated()) {
            Checkpoint ckpt = Checkpoint.open(model);
            try (WeightSource quantized = quantizeCalibrated(ckpt, layer -> { })) {
                m = LoadedModel.of(LlamaModel.load(quantized, device()), ckpt.dir(), ckpt.shortId());
            } finally {
                ckpt.close();
            }
        } else {
            m = LoadedModel.open(model, device(), plan(shortId));
        }
        act.ifPresent(a -> m.model().addHook(new org.lmqt.actquant.ActivationQuantHook(a.quantizer())));
        return m;
    }

    /** The {@code --act-quant} format, if given; a one-line error for an unknown name. */
    public Optional<org.lmqt.quant.act.ActFormat> actFormat() {
        try {
            return actQuant == null ? Optional.empty()
                    : Optional.of(org.lmqt.quant.act.FakeQuantFormats.activation(actQuant));
        } catch (IllegalArgumentException e) {
            throw new UserException("--act-quant: " + e.getMessage());
        }
    }

    private org.lmqt.quant.act.WeightQuantFormat weightFormat() {
        try {
            return org.lmqt.quant.act.FakeQuantFormats.weight(weightQuant);
        } catch (IllegalArgumentException e) {
            throw new UserException("--weight-quant: " + e.getMessage());
        }
    }

    /** A short description of the quantization for reports ({@code fp}, {@code hqq b4g64}, ...). */
    public String quantLabel() {
        String w = config != null ? method.name().toLowerCase(java.util.Locale.ROOT) + " " + config
                : allocation != null ? "mxq " + allocation.getFileName()
                : weightQuant != null ? "w " + weightQuant : "none";
        return actQuant == null ? w : w + " + a " + actQuant;
    }
}
