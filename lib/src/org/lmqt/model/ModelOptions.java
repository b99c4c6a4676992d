package org.lmqt.model;

import java.nio.file.Path;
import java.util.Optional;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
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

    @Option(names = "--method", paramLabel = "hqq|rtn|nf4|int8", defaultValue = "hqq",
            description = "Quantizer for --config (default: ${DEFAULT-VALUE}): hqq, rtn, or bitsandbytes' nf4 (NF4 "
                    + "with double quantization, blocks of the group size: b4g64) or int8 (LLM.int8 weights: b8g128).")
    public QuantMethod method;

    @Option(names = "--allocation", paramLabel = "CSV",
            description = "Quantize with an MXQ allocation (quant-cfg-allot-*.csv: layer, module, b1, g1) instead.")
    public Path allocation;

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
            try {
                return Optional.of(QuantPlan.uniform(method, QuantConfig.parse(config)));
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
        }
        return allocation == null ? Optional.empty() : Optional.of(QuantPlan.fromAllocationCsv(allocation, shortId));
    }

    /** Loads the model as the options say. */
    public LoadedModel load() {
        String shortId = org.lmqt.checkpoint.HubCache.shortId(model, org.lmqt.checkpoint.HubCache.resolve(model));
        return LoadedModel.open(model, device(), plan(shortId));
    }

    /** A short description of the quantization for reports ({@code fp}, {@code hqq b4g64}, ...). */
    public String quantLabel() {
        return config != null ? method.name().toLowerCase(java.util.Locale.ROOT) + " " + config
                : allocation != null ? "mxq " + allocation.getFileName() : "none";
    }
}
