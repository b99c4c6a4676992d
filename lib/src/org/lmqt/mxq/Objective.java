package org.lmqt.mxq;

import org.lmqt.cli.UserException;
import org.lmqt.metadata.MethodFnorm;

/**
 * Which error of an FNorm table MXQ minimises: the weight error {@code ||W - Q||_F} (column {@code fnorm}, the
 * original's) or the output error {@code ||X Wᵀ - X Qᵀ||_F} on the calibration inputs (column {@code output_fnorm},
 * present in the gptq and awq tables of {@code dump-fnorm --method}).
 */
public enum Objective {
    /** Column {@code fnorm}. */
    WEIGHT,
    /** Column {@code output_fnorm}. */
    OUTPUT;

    /** Parses {@code weight|output}; one line otherwise. */
    public static Objective parse(String s) {
        return switch (s.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "weight" -> WEIGHT;
            case "output" -> OUTPUT;
            default -> throw new UserException("unknown objective '" + s + "' (weight or output)");
        };
    }

    /** The table whose {@code fnorm} is this objective's error; a one-line error when the table lacks it. */
    public FnormTable apply(FnormTable table) {
        return this == WEIGHT ? table
                : table.withFnorm(table.metric(MethodFnorm.OUTPUT_COLUMN, "--objective output (a table of dump-fnorm "
                        + "--method gptq or awq)"));
    }
}
