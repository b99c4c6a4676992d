package org.lmqt.proxy;

import ai.djl.ndarray.NDArray;
import java.util.HashMap;
import java.util.Map;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.model.ForwardHook;
import org.lmqt.model.LinearLayer;

/**
 * A hook that runs some linear layers of a loaded model through other layers (their quantized versions): the model
 * keeps its full-precision layers, and for a listed matrix the output the forward pass continues with is
 * {@code replacement.forward(x)} on the layer's own input. So one loaded model serves every unit of a run; the
 * result equals loading the model with those matrices quantized (tested), at the cost of also running the original
 * layer (discarded).
 */
final class LayerSwap implements ForwardHook {
    private final Map<MatrixKey, LinearLayer> replacements;
    private final Map<MatrixKey, NDArray> inputs = new HashMap<>();   // [T, in] of the layer running now

    LayerSwap(Map<MatrixKey, LinearLayer> replacements) {
        this.replacements = Map.copyOf(replacements);
    }

    @Override
    public NDArray linearInput(MatrixKey key, NDArray x) {
        if (replacements.containsKey(key)) {
            inputs.put(key, x);
        }
        return x;
    }

    @Override
    public NDArray linearOutput(MatrixKey key, NDArray y) {
        LinearLayer layer = replacements.get(key);
        if (layer == null) {
            return y;
        }
        NDArray x = inputs.remove(key);                                      // [T, in]
        return layer.forward(x);                                             // [T, out]
    }
}
