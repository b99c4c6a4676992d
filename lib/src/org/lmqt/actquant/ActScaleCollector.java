package org.lmqt.actquant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Map;
import java.util.TreeMap;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.model.ForwardHook;
import org.lmqt.quant.smoothquant.ActScales;

/**
 * SmoothQuant's {@code get_act_scales} as a {@link ForwardHook}: per linear layer, the running maximum of |input|
 * per channel over every forward pass it sees (observes only).
 */
public final class ActScaleCollector implements ForwardHook {
    private final Map<MatrixKey, ActScales> scales = new TreeMap<>();

    @Override
    public NDArray linearInput(MatrixKey key, NDArray x) {
        int features = (int) x.getShape().get(x.getShape().dimension() - 1);
        float[] v = x.toType(DataType.FLOAT32, false).toFloatArray();            // [T, in]
        scales.computeIfAbsent(key, k -> new ActScales(features)).update(v);
        return x;
    }

    /** The statistic of one linear layer; a one-line error when it never ran. */
    public ActScales of(MatrixKey key) {
        ActScales s = scales.get(key);
        if (s == null) {
            throw new IllegalStateException("no calibration input reached " + key.id());
        }
        return s;
    }
}
