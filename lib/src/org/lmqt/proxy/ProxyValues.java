package org.lmqt.proxy;

/**
 * The weight-space proxies of one unit; NaN where a proxy is not available (no sensitivity table given).
 *
 * @param fnorm       FNorm at the run's config, summed over the unit's matrices (MXQ's objective adds them)
 * @param kurtosis    Pearson kurtosis, averaged over the unit's matrices
 * @param sensitivity the block part's sensitivity (every matrix of a part has its part's value)
 */
public record ProxyValues(double fnorm, double kurtosis, double sensitivity) {

    /** The proxy names, in the CSV's and the summary's order. */
    public static final java.util.List<String> NAMES = java.util.List.of("fnorm", "kurtosis", "sensitivity");

    /** The value of proxy {@code name} (one of {@link #NAMES}). */
    public double get(String name) {
        return switch (name) {
            case "fnorm" -> fnorm;
            case "kurtosis" -> kurtosis;
            case "sensitivity" -> sensitivity;
            default -> throw new IllegalArgumentException("no proxy " + name + " (" + NAMES + ")");
        };
    }
}
