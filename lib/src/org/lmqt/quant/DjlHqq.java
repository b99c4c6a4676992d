package org.lmqt.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.lmqt.device.ComputeDevice;
import org.lmqt.device.Djl;

/**
 * The fork's HQQ quantizer as DJL NDArray operations, for a GPU ({@code LMQT_DEVICE=cuda}): the same float32
 * arithmetic and stopping rule as {@link Hqq}, run by libtorch on the device. On CPU it agrees with {@link Hqq}
 * (tested); the Java kernel is faster there.
 */
public final class DjlHqq implements WeightQuantizer {
    private final ComputeDevice device;

    public DjlHqq(ComputeDevice device) {
        this.device = device;
    }

    /** The quantizer for one matrix at a time on {@code device}: DJL on CUDA, the single-threaded Java kernel on CPU. */
    public static WeightQuantizer forDevice(ComputeDevice device) {
        return device == ComputeDevice.CPU ? new Hqq(null) : new DjlHqq(device);
    }

    /** The quantizer for whole models on {@code device}: DJL on CUDA, the Java kernel on all cores on CPU. */
    public static WeightQuantizer allCoresFor(ComputeDevice device) {
        return device == ComputeDevice.CPU ? Hqq.parallel() : new DjlHqq(device);
    }

    @Override
    public QuantizedTensor apply(float[] w, int[] shape, Hqq.Spec spec) {
        if (w.length % spec.group() != 0) {
            throw new IllegalArgumentException("tensor of " + w.length + " elements is not divisible into groups of " + spec.group());
        }
        int g = spec.group();
        int m = w.length / g;
        float qmax = (1 << spec.bits()) - 1;
        try (NDManager nd = Djl.newManager(device)) {
            NDArray wg = nd.create(w, new Shape(g, m));                                  // [g, M] f32
            // min-max scale (reciprocal(max - min) * qmax, as PyTorch evaluates the fork's expression) and zero
            NDArray min = wg.min(new int[] {0}, true);                                   // [1, M]
            NDArray max = wg.max(new int[] {0}, true);                                   // [1, M]
            NDArray s = nd.ones(min.getShape()).div(max.sub(min)).mul(qmax).minimum(2e4f); // [1, M]
            NDArray z = min.neg().mul(s);                                                // [1, M]
            if (spec.roundZero()) {
                z = z.round();
            }
            // proximal optimisation of the zero point
            if (spec.optimize()) {
                Hqq.Proximal p = spec.proximal();
                double beta = p.beta();
                double best = 1e4;
                for (int it = 0; it < p.iterations(); it++) {
                    NDArray q = wg.mul(s).add(z).round().clip(0, qmax);                  // [g, M] codes
                    NDArray d = wg.sub(q.sub(z).div(s));                                 // [g, M] w - w_r
                    NDArray ad = d.abs();
                    float invBeta = (float) (1.0 / beta);
                    NDArray penalty = p.lpNorm() == 1f ? nd.full(ad.getShape(), invBeta)
                            : ad.pow(p.lpNorm() - 1f).mul(invBeta);                      // inf at 0 -> shrink 0
                    NDArray e = ad.sub(penalty).maximum(0f).mul(d.sign());               // [g, M] shrink(d)
                    z = q.sub(wg.sub(e).mul(s)).mean(new int[] {0}, true);               // [1, M]
                    beta *= p.kappa();
                    float err = ad.mean().getFloat();
                    if (err < best) {
                        best = err;
                    } else {
                        break;   // keep this iteration's zero, as the fork does
                    }
                }
            }
            // final codes and the stored step size
            byte[] codes = wg.mul(s).add(z).round().clip(0, qmax).toType(DataType.UINT8, false).toByteArray();
            float[] step = nd.ones(s.getShape()).div(s).toFloatArray();
            return new QuantizedTensor(shape.clone(), spec.bits(), g, codes, step, z.toFloatArray());
        }
    }
}
