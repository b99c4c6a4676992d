package org.lmqt.mxq;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.cli.UserException;

/**
 * Parses budget lists: single values, comma lists, inclusive ranges {@code start:stop:step} ({@code 3.00:8.50:0.02})
 * and the named lists {@code llm} and {@code vit} (the original's default MXQ budgets of {@code cli.py llm} and
 * {@code cli.py vit}).
 */
public final class Budgets {
    /** The original's default LLM MXQ budgets ({@code MXQ_CONFIGS}), in its order. */
    public static final List<String> LLM = List.of("5.00", "4.75", "4.50", "4.25", "4.01", "3.76", "3.50", "3.00",
            "2.75", "2.48");
    /** The original's default ViT MXQ budgets, in its order. */
    public static final List<String> VIT = List.of("7.80", "7.72", "7.64", "7.56", "7.48", "7.40", "7.32", "5.00",
            "4.95", "4.90", "4.86", "4.82", "4.78", "4.73", "4.00", "3.96", "3.92", "3.00");

    private Budgets() {}

    /** All budgets of the given items, in order. Ranges are stepped in exact decimals (no drift). */
    public static List<Double> parse(List<String> items) {
        List<Double> out = new ArrayList<>();
        for (String item : items) {
            for (String part : item.split(",")) {
                String s = part.strip();
                if (s.isEmpty()) {
                    continue;
                }
                if (s.equals("llm") || s.equals("vit")) {
                    (s.equals("llm") ? LLM : VIT).forEach(b -> out.add(new BigDecimal(b).doubleValue()));
                    continue;
                }
                String[] r = s.split(":", -1);
                try {
                    if (r.length == 1) {
                        out.add(new BigDecimal(s).doubleValue());
                    } else if (r.length == 3) {
                        range(new BigDecimal(r[0].strip()), new BigDecimal(r[1].strip()), new BigDecimal(r[2].strip()),
                                s, out);
                    } else {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    throw new UserException("not a budget or budget range: '" + s
                            + "' (expected e.g. 4.25, 3.07,4.25, 3.00:8.50:0.02, llm or vit)");
                }
            }
        }
        if (out.isEmpty()) {
            throw new UserException("no budget given");
        }
        return out;
    }

    private static void range(BigDecimal start, BigDecimal stop, BigDecimal step, String text, List<Double> out) {
        if (step.signum() <= 0 || stop.compareTo(start) < 0) {
            throw new UserException("budget range '" + text + "' needs start <= stop and a positive step");
        }
        for (BigDecimal v = start; v.compareTo(stop) <= 0; v = v.add(step)) {
            out.add(v.doubleValue());
        }
    }
}
