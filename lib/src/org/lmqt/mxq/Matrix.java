package org.lmqt.mxq;

import org.lmqt.checkpoint.MatrixKey;

/**
 * One quantizable weight matrix of an FNorm table: block index, module name ({@code self_attn.q_proj}, ...) and its
 * number of parameters.
 */
public record Matrix(int layer, String module, long params) {

    public Matrix {
        if (layer < 0) {
            throw new IllegalArgumentException("negative layer " + layer + " of " + module);
        }
        if (module == null || module.isBlank()) {
            throw new IllegalArgumentException("empty module name in layer " + layer);
        }
        if (params <= 0) {
            throw new IllegalArgumentException("matrix " + layer + "." + module + " has " + params + " parameters");
        }
    }

    /** The original's allocation key {@code <layer>.<module>}. */
    public String key() {
        return matrixKey().id();
    }

    /** The matrix's key as plans, snapshots and the model use it. */
    public MatrixKey matrixKey() {
        return new MatrixKey(layer, module);
    }
}
