package org.lmqt.layerwise;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
     * What a run's blocks depend on, for {@link BlockStore#at}: the method and config (with the options lmqt runs them
     * with), the checkpoint (folder, tensor names and sizes) and a SHA-256 of the calibration windows.
     */
    public static String fingerprint(QuantMethod method, QuantConfig config, Checkpoint ckpt, long[][] windows) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(8);
            for (long[] w : windows) {
                for (long id : w) {
                    sha.update(b.clear().putLong(id).array());
                }
                sha.update(b.clear().putLong(-1).array());
            }
            return method + " " + config.name() + " " + (method == QuantMethod.GPTQ ? GptqOptions.DEFAULT
                    : AwqOptions.of(AwqOptions.Flavour.AUTOAWQ, config.bits(), config.group())) + "\n"
                    + ckpt.dir().toAbsolutePath() + " " + ckpt.tensorNames().size() + " tensors, " + ckpt.sizeBytes()
                    + " bytes\n" + windows.length + " windows " + HexFormat.of().formatHex(sha.digest()) + "\n";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Quantizes every linear layer of {@code ckpt} with {@code method} at {@code config} on {@code windows}; the
     * unquantized model used for calibration is closed before this returns. {@code onLayer} sees each finished block.
     * Closing the returned source closes {@code ckpt}.
     */
    public static WeightSource quantize(QuantMethod method, Checkpoint ckpt, QuantConfig config, long[][] windows,
                                        ComputeDevice device, IntConsumer onLayer) {
        return quantize(method, ckpt, config, windows, device, onLayer, BlockStore.NONE);
    }

    /** As above, keeping finished blocks in {@code store} and resuming from those it holds. */
    public static WeightSource quantize(QuantMethod method, Checkpoint ckpt, QuantConfig config, long[][] windows,
                                        ComputeDevice device, IntConsumer onLayer, BlockStore store) {
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
                        config.bits(), config.group())).quantize(fp, weights, windows, onLayer, store);
                return new MatrixOverrides(weights, awq.matrices(), awq.norms());
            }
            return new MatrixOverrides(weights, new GptqModelQuantizer(new GptqQuantizer(GptqOptions.DEFAULT), config)
                    .quantize(fp, weights, windows, onLayer, store));
        }
    }

    /**
     * GPTQ of every linear layer of {@code ckpt} at its own config ({@code configs}, e.g. an MXQ allocation of the GPTQ
     * FNorm table), in one block-wise pass as {@link GptqModelQuantizer} runs it (true-sequential, the quantized
     * block's outputs feeding the next); finished blocks kept in {@code store}. Closing the source closes {@code ckpt}.
     */
    public static WeightSource quantizeGptq(Checkpoint ckpt, java.util.function.Function<org.lmqt.checkpoint.MatrixKey,
            QuantConfig> configs, long[][] windows, ComputeDevice device, IntConsumer onLayer, BlockStore store) {
        if (windows.length == 0) {
            throw new UserException("gptq needs at least one calibration window");
        }
        WeightSource weights = WeightSource.of(ckpt);
        try (LlamaModel fp = LlamaModel.load(weights, device)) {
            return new MatrixOverrides(weights, new GptqModelQuantizer(new GptqQuantizer(GptqOptions.DEFAULT), configs)
                    .quantize(fp, weights, windows, onLayer, store));
        }
    }
}
