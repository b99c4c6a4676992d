package org.lmqt.quant.awq;

/**
 * How AWQ quantizes a layer.
 *
 * @param flavour    which reference's scale search (calib-methods-spec §3.2 / §3.3)
 * @param duoScaling AutoAWQ's {@code duo_scaling} (weight statistics in the scale formula); only with
 *                   {@link Flavour#AUTOAWQ}
 * @param bits       {@code w_bit}, 1..8
 * @param group      {@code q_group_size}, dividing every linear's input width
 * @param zeroPoint  asymmetric groups with a zero point (the configs the toolkit uses); {@code false} only with
 *                   AutoAWQ (llm-awq's symmetric branch is broken)
 */
public record AwqOptions(Flavour flavour, boolean duoScaling, int bits, int group, boolean zeroPoint) {
    /** The two reference implementations. */
    public enum Flavour {
        /** mit-han-lab/llm-awq, the paper's method. */
        LLM_AWQ,
        /** casper-hansen/AutoAWQ, what the original toolkit's archived AWQ results were made with. */
        AUTOAWQ
    }

    public AwqOptions {
        if (bits < 1 || bits > 8 || group <= 0) {
            throw new IllegalArgumentException("AWQ needs 1..8 bits and a positive group: b" + bits + "g" + group);
        }
        if (flavour == Flavour.LLM_AWQ && (duoScaling || !zeroPoint)) {
            throw new IllegalArgumentException("llm-awq has neither duo scaling nor a working zero_point=False");
        }
    }

    /** The toolkit's configs {@code {w_bit, q_group_size, zero_point: True}}, AutoAWQ with its default duo scaling. */
    public static AwqOptions of(Flavour flavour, int bits, int group) {
        return new AwqOptions(flavour, flavour == Flavour.AUTOAWQ, bits, group, true);
    }
}
