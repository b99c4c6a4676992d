package org.lmqt.mxq;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.lmqt.cli.UserException;

/** The MXQ variants of spec §4.7, by their {@code --weight-algo} names. */
public enum WeightAlgo {
    /** Plain MXQ: cost = fnorm (no {@code --weight-algo} in the original). */
    FNORM("fnorm", false),
    /** cost = fnorm * (1 + kurtosis_scaled). */
    KURT_SCALED("kurt-scaled", false),
    /** cost = fnorm * kurtosis / 3 (an intermediate fork commit only). */
    KURT_GLOBAL("kurt-global", false),
    /** cost = fnorm * factor for layer 0. */
    HEAD_PRIORITIZED("head-prioritized", false),
    /** cost = fnorm * factor for the last layer. */
    TAIL_PRIORITIZED("tail-prioritized", false),
    /** SensiMiLP: synthetic size/bpp cost with sensitivity outliers made {@code factor} times dearer (§4.7.2). */
    SENSI_MILP("sensi-milp", false),
    /** KurtMiLP: as SensiMiLP with kurtosis outliers. */
    KURT_MILP("kurt-milp", false),
    /** SensiBoost: uniform config, sensitivity outlier layers boosted (§4.7.3). */
    SENSI_BOOST("sensi-boost", true),
    /** KurtBoost: uniform config, kurtosis outlier layers boosted. */
    KURT_BOOST("kurt-boost", true),
    /** Uniform config with the given boost and decline layers for every module. */
    SENSI_DIRECTIVE("sensi-directive", true);

    private final String cliName;
    private final boolean ruleBased;

    WeightAlgo(String cliName, boolean ruleBased) {
        this.cliName = cliName;
        this.ruleBased = ruleBased;
    }

    /** The name used by {@code --weight-algo}. */
    public String cliName() {
        return cliName;
    }

    /** Whether the allocation follows rules instead of solving the knapsack. */
    public boolean ruleBased() {
        return ruleBased;
    }

    /** Parses a {@code --weight-algo} value (also accepts {@code mxq} and the enum names). */
    public static WeightAlgo parse(String s) {
        String v = s.strip().toLowerCase().replace('_', '-');
        if (v.equals("mxq") || v.isEmpty()) {
            return FNORM;
        }
        for (WeightAlgo a : values()) {
            if (a.cliName.equals(v)) {
                return a;
            }
        }
        throw new UserException("unknown weight algo '" + s + "' (one of "
                + Arrays.stream(values()).map(WeightAlgo::cliName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
