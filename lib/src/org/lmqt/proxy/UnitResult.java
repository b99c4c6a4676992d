package org.lmqt.proxy;

/**
 * One measured unit: its damage and its proxies.
 *
 * @param unit    the unit
 * @param params  weights the unit quantizes
 * @param damage  what quantizing it alone does
 * @param proxies its weight-space proxies
 */
public record UnitResult(Unit unit, long params, Damage damage, ProxyValues proxies) {
    public UnitResult {
        if (unit == null || damage == null || proxies == null || params <= 0) {
            throw new IllegalArgumentException("a unit result needs a unit, its parameters, damage and proxies");
        }
    }

    /** The damage measure {@code name}: {@code delta_ppl} or {@code kld_mean}. */
    public double damage(String name) {
        return switch (name) {
            case "delta_ppl" -> damage.deltaPpl();
            case "kld_mean" -> damage.kl().mean();
            default -> throw new IllegalArgumentException("no damage measure " + name + " " + DAMAGES);
        };
    }

    /** The damage measures correlated with the proxies. */
    public static final java.util.List<String> DAMAGES = java.util.List.of("delta_ppl", "kld_mean");
}
