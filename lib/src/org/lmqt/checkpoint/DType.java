package org.lmqt.checkpoint;

import java.util.Arrays;

/** Element types of safetensors files, with their header codes and sizes. */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** True for the floating types that {@link SafetensorsFile#floats} converts. */
    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The type for a header code such as {@code "BF16"}; a {@link CheckpointException} names unknown ones. */
    public static DType fromCode(String code, String where) {
        for (DType t : values()) {
            if (t.name().equals(code)) {
                return t;
            }
        }
        throw new CheckpointException(where + ": unknown dtype '" + code + "' (known: " + Arrays.toString(values()) + ")");
    }
}
