package org.lmqt.quant;

/** Quantizes one weight tensor with HQQ's axis-0 grouping: the Java kernel ({@link Hqq}) or DJL ({@link DjlHqq}). */
public interface WeightQuantizer {
    /** Quantizes {@code w} (row-major, {@code shape}) as {@code spec} says. */
    QuantizedTensor apply(float[] w, int[] shape, Hqq.Spec spec);
}
