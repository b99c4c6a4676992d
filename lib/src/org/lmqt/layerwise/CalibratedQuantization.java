package org.lmqt.layerwise;

import java.util.function.IntConsumer;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.MatrixOverrides;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.awq.AwqOptions;
import org.lmqt.quant.gptq.GptqOptions;
import org.lmqt.quant.gptq.GptqQuantizer;

/**
 * The calibrated methods as the harness and the scripts run them on a whole checkpoint: GPTQ (AutoGPTQ's defaults) or
 * AWQ (AutoAWQ's flavour), block by block on the unquantized model, the result a weight source over the checkpoint.
 */
public final class CalibratedQuantization {
    private CalibratedQuantization() {}

    /**
     * Quantizes every linear layer of {@code ckpt} with {@code method} at {@code config} on {@code windows}; the
     * unquantized model used for calibration is closed before this returns. {@code onLayer} sees each finished block.
     * Closing the returned source closes {@code ckpt}.
     */
    public static WeightSource quantize(QuantMethod method, Checkpoint ckpt, QuantConfig config, long[][] windows,
                                        ComputeDevice device, IntConsumer onLayer) {
        if (!method.isCalibrated()) {
            throw new IllegalArgumentException(method + " is not a calibrated method");
        }
        if (windows.length == 0) {
            throw new UserException(method.name().toLowerCase(java.util.Locale.ROOT) + " needs at least one "
                    + "calibration window");
        }
        WeightSource weights = WeightSource.of(ckpt);
        try (LlamaModel fp = LlamaModel.load(weights, device)) {
            if (method == QuantMethod.AWQ) {
                AwqModelQuantizer.Result awq = new AwqModelQuantizer(AwqOptions.of(AwqOptions.Flavour.AUTOAWQ,
                        config.bits(), config.group())).quantize(fp, weights, windows, onLayer);
                return new MatrixOverrides(weights, awq.matrices(), awq.norms());
            }
            return new MatrixOverrides(weights, new GptqModelQuantizer(new GptqQuantizer(GptqOptions.DEFAULT), config)
                    .quantize(fp, weights, windows, onLayer));
        }
    }
}
