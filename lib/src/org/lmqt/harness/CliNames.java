package org.lmqt.harness;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Looks up enum constants by their command-line names. */
final class CliNames {

    private CliNames() {}

    /** The constant named {@code s} (case-insensitive); a one-line error listing the known names otherwise. */
    static <E extends Enum<E>> E parse(E[] values, Function<E, String> name, String s, String what) {
        String key = s.trim().toLowerCase(Locale.ROOT);
        for (E e : values) {
            if (name.apply(e).equals(key)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + s + "' (known: "
                + Arrays.stream(values).map(name).collect(Collectors.joining(", ")) + ")");
    }
}
