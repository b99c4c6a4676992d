package org.lmqt.mxq;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.cli.UserException;

/** Parses budget lists: single values, comma lists and inclusive ranges {@code start:stop:step} ({@code 3.00:8.50:0.02}). */
public final class Budgets {

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
                            + "' (expected e.g. 4.25, 3.07,4.25 or 3.00:8.50:0.02)");
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
