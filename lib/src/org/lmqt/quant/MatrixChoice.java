package org.lmqt.quant;

import java.util.Locale;

/**
 * How one matrix is quantized.
 *
 * @param method how codes are chosen
 * @param config bits, group and meta-quantization
 */
public record MatrixChoice(QuantMethod method, QuantConfig config) {
    public MatrixChoice {
        if (method == null || config == null) {
            throw new IllegalArgumentException("a matrix choice needs a method and a config");
        }
        if (method.requiredBits() != 0 && config.bits() != method.requiredBits()) {
            throw new IllegalArgumentException(method.name().toLowerCase(Locale.ROOT) + " is " + method.requiredBits()
                    + "-bit: use b" + method.requiredBits() + "g<group>, not " + config.name());
        }
    }

    /** {@code hqq b4g64}. */
    @Override
    public String toString() {
        return method.name().toLowerCase(Locale.ROOT) + " " + config.name();
    }
}
