package org.lmqt.quant.gptq;

import java.util.Arrays;
import java.util.Optional;
import org.lmqt.cli.UserException;
import org.lmqt.quant.CalibrationInputs;
import org.lmqt.quant.MatrixQuantizer;
import org.lmqt.quant.QuantConfig;

/**
 * GPTQ for one matrix (AutoGPTQ's {@code add_batch} per sequence, then {@code fasterquant}): bits and group size
 * from the {@link QuantConfig} (its meta-quantization fields do not apply), everything else from {@code options}.
 *
 * @param options sym, act-order, static groups, per-channel, damping, block size, sequence length
 */
public record GptqQuantizer(GptqOptions options) implements MatrixQuantizer {

    public GptqQuantizer {
        java.util.Objects.requireNonNull(options, "options");
    }

    /** The toolkit's GPTQ: {@link GptqOptions#DEFAULT}. */
    public GptqQuantizer() {
        this(GptqOptions.DEFAULT);
    }

    @Override
    public GptqMatrix quantize(float[] w, int[] shape, QuantConfig config, Optional<CalibrationInputs> calibration) {
        CalibrationInputs x = calibration.orElseThrow(() -> new UserException(
                "GPTQ needs calibration inputs (the layer's inputs on calibration data); none were given"));
        if (shape.length != 2 || x.cols() != shape[1]) {
            throw new UserException("calibration inputs have " + x.cols() + " features but the weight is "
                    + Arrays.toString(shape));
        }
        return quantize(w, shape, config, GptqHessian.of(x, options.seqLen())).matrix();
    }

    /** Quantizes with an accumulated Hessian (a layer-wise caller's path); the result carries perm and loss. */
    public Gptq.Result quantize(float[] w, int[] shape, QuantConfig config, GptqHessian hessian) {
        if (!Gptq.BITS.contains(config.bits())) {
            throw new UserException("GPTQ supports " + Gptq.BITS + " bits, not " + config.bits() + " (" + config + ")");
        }
        if (hessian.sequences() == 0) {
            throw new UserException("GPTQ needs calibration inputs: the Hessian has no sequences");
        }
        if (shape.length != 2 || hessian.cols() != shape[1]) {
            throw new IllegalArgumentException("a Hessian of " + hessian.cols() + " inputs for a weight "
                    + Arrays.toString(shape));
        }
        return Gptq.fasterquant(w, shape[0], shape[1], hessian.values(), config.bits(), config.group(), options);
    }
}
