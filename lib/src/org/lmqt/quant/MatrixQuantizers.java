package org.lmqt.quant;

/** The quantizer of a {@link MatrixChoice}: the one place where a method picks its format. */
public final class MatrixQuantizers {
    private MatrixQuantizers() {}

    /**
     * The quantizer for {@code choice}; HQQ and RTN run on {@code hqqKernel} (the Java kernel, or {@link DjlHqq} on
     * a GPU), the bitsandbytes formats in Java.
     */
    public static MatrixQuantizer of(MatrixChoice choice, WeightQuantizer hqqKernel) {
        return switch (choice.method()) {
            case HQQ, RTN -> new HqqQuantizer(choice.method(), hqqKernel);
            case NF4 -> BnbQuantizer.NF4;
            case INT8 -> BnbQuantizer.INT8;
            case GPTQ, AWQ -> throw new IllegalArgumentException(choice.method() + " quantizes whole blocks on "
                    + "calibration data (org.lmqt.layerwise), not one matrix at a time");
        };
    }
}
