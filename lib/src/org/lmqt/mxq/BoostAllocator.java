package org.lmqt.mxq;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.lmqt.cli.UserException;
import org.lmqt.quant.QuantConfig;

/**
 * Rule-based allocation of SensiBoost, KurtBoost and sensi-directive (spec §4.7.3): every matrix gets the config whose
 * rounded bpp equals the budget, boosted layers go {@code boostStop} steps up the bpp ladder, declined layers
 * {@code declineStop} steps down. The memory exceeds the budget by design.
 *
 * <p>Deliberate differences from the original (spec §8 item 5): a budget off the ladder is a one-line error instead
 * of a crash; a step past either end of the ladder saturates instead of raising; declined layers go <em>down</em>
 * (the original turns a missing decline stop into +1, boosting them).
 */
public final class BoostAllocator {

    private BoostAllocator() {}

    /** The configs of the table sorted by bits per parameter: the ladder. */
    public static List<QuantConfig> ladder(FnormTable table) {
        List<QuantConfig> l = new ArrayList<>(table.configs());
        l.sort(Comparator.comparingDouble((QuantConfig c) -> c.bitsPerParameter()).thenComparing(Comparator.naturalOrder()));
        return l;
    }

    /** Config index (into {@code table.configs()}) per matrix. */
    public static int[] allocate(FnormTable table, double budget, MxqOptions options) {
        List<QuantConfig> ladder = ladder(table);
        int base = -1;
        for (int t = 0; t < ladder.size(); t++) {
            if (Math.abs(Math.round(ladder.get(t).bitsPerParameter() * 100) / 100.0 - budget) < 1e-9) {
                base = t;
            }
        }
        if (base < 0) {
            throw new UserException("--weight-algo " + options.weightAlgo() + " needs a budget equal to a config's "
                    + "rounded bits per parameter (" + ladder.stream().map(c -> String.format("%.2f",
                            c.bitsPerParameter())).collect(Collectors.joining(", ")) + "), got " + budget);
        }
        int top = ladder.size() - 1;
        QuantConfig baseConfig = ladder.get(base);
        QuantConfig boosted = ladder.get(Math.min(top, base + Math.max(1, options.boostStop())));
        QuantConfig declined = ladder.get(Math.max(0, base - Math.max(1, options.declineStop())));

        Map<String, List<Integer>> boost = boostLayers(table, options);
        Map<String, List<Integer>> decline = new LinkedHashMap<>();
        if (options.weightAlgo() == WeightAlgo.SENSI_DIRECTIVE) {
            table.moduleOrder().forEach(m -> decline.put(m, options.declineLayers()));
        }
        int[] choice = new int[table.size()];
        for (int i = 0; i < choice.length; i++) {
            Matrix m = table.matrices().get(i);
            QuantConfig c = boost.getOrDefault(m.module(), List.of()).contains(m.layer()) ? boosted
                    : decline.getOrDefault(m.module(), List.of()).contains(m.layer()) ? declined : baseConfig;
            choice[i] = table.configIndex(c);
        }
        return choice;
    }

    /** Boosted layers per module: outliers, random layers (ablation) or the directive's list. */
    static Map<String, List<Integer>> boostLayers(FnormTable table, MxqOptions options) {
        Outliers.Source source = switch (options.weightAlgo()) {
            case SENSI_BOOST -> Outliers.Source.SENSITIVITY;
            case KURT_BOOST -> Outliers.Source.KURTOSIS;
            case SENSI_DIRECTIVE -> null;
            default -> throw new IllegalArgumentException(options.weightAlgo() + " is not rule-based");
        };
        if (source == null) {
            Map<String, List<Integer>> all = new LinkedHashMap<>();
            table.moduleOrder().forEach(m -> all.put(m, options.boostLayers()));
            return all;
        }
        return options.ablation() ? Outliers.ablation(table, source, options.topMLayer(), options.seed())
                : Outliers.find(table, source, options.topMLayer());
    }
}
