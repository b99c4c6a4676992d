package org.lmqt.device;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * Where the model runs. CPU computes in float32; CUDA computes in float16 (as the original deploys), with norms,
 * softmax and logits in float32. Every script selects it the same way: {@code --device cpu|cuda}, defaulting to the
 * environment variable {@value #ENV} (default {@code cpu}).
 */
public enum ComputeDevice {
    CPU, CUDA;

    /** Environment variable that selects the device for every script. */
    public static final String ENV = "LMQT_DEVICE";

    /** The device named by {@value #ENV}, or CPU when it is unset. */
    public static ComputeDevice fromEnvironment() {
        String v = System.getenv(ENV);
        return v == null || v.isBlank() ? CPU : parse(v);
    }

    /** Parses {@code cpu}, {@code cuda} or {@code gpu} (case-insensitive). */
    public static ComputeDevice parse(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "cpu" -> CPU;
            case "cuda", "gpu" -> CUDA;
            default -> throw new IllegalArgumentException("unknown device '" + name + "' (use cpu or cuda)");
        };
    }

    /** DJL's device. */
    public Device djlDevice() {
        Djl.init();
        return this == CPU ? Device.cpu() : Device.gpu();
    }

    /** The type weights and activations have on this device. */
    public DataType weightType() {
        return this == CPU ? DataType.FLOAT32 : DataType.FLOAT16;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
