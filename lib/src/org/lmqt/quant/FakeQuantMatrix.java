package org.lmqt.quant;

import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.SafetensorsWriter;

/**
 * A fake-quantized weight (SmoothQuant's int8, ZeroQuant's groups, LLMC's FP8/FP4, MX): the values it rounds to,
 * held in float32, with what a real deployment of the format would store per weight. It runs as a dense layer.
 *
 * @param format        the format's name ({@code int8-channel}, {@code fp8-e4m3}, {@code mxfp4-e2m1}, ...)
 * @param shape         {@code [out, in]}
 * @param values        the fake-quantized weight {@code [out, in]} row-major
 * @param bitsPerWeight bits a deployment stores per weight, codes and scales included
 * @param codes         the symmetric integer codes and steps the values are, where the format has them (a snapshot
 *                      stores those instead of the values)
 */
public record FakeQuantMatrix(String format, int[] shape, float[] values, double bitsPerWeight,
                              java.util.Optional<IntCodes> codes) implements QuantizedMatrix {

    public FakeQuantMatrix {
        if (shape.length != 2 || (long) shape[0] * shape[1] != values.length) {
            throw new IllegalArgumentException(format + ": " + values.length + " values for shape "
                    + java.util.Arrays.toString(shape));
        }
        if (!(bitsPerWeight > 0)) {
            throw new IllegalArgumentException(format + ": bits per weight must be positive");
        }
        if (codes.isPresent() && codes.get().codes().length != values.length) {
            throw new IllegalArgumentException(format + ": " + codes.get().codes().length + " codes for "
                    + values.length + " values");
        }
        shape = shape.clone();
    }

    /** A matrix without integer codes. */
    public FakeQuantMatrix(String format, int[] shape, float[] values, double bitsPerWeight) {
        this(format, shape, values, bitsPerWeight, java.util.Optional.empty());
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public float[] dequantize() {
        return values.clone();
    }

    @Override
    public DType deployedType() {
        return DType.F32;
    }

    @Override
    public long storageBytes() {
        return (long) Math.ceil(values.length * bitsPerWeight / 8);
    }

    /** The fake-quantized values as float32 {@code <prefix>.weight} (the format's codes are not materialised). */
    @Override
    public void writeTo(SafetensorsWriter writer, String prefix) {
        writer.put(prefix + ".weight", DType.F32, shape, values);
    }
}
