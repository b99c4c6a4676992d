package org.lmqt.quant.act;

/**
 * A named activation fake-quantization format ({@code --act-quant}).
 *
 * @param name      as parsed ({@code int8}, {@code e4m3}, {@code mxfp4-e2m1}, ...)
 * @param bits      bits per activation value
 * @param quantizer what it does to a linear's input
 */
public record ActFormat(String name, int bits, ActivationQuantizer quantizer) {
    public ActFormat {
        if (name == null || name.isBlank() || bits <= 0 || quantizer == null) {
            throw new IllegalArgumentException("an activation format needs a name, bits and a quantizer");
        }
    }
}
