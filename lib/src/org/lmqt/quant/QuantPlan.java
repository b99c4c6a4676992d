package org.lmqt.quant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.cli.UserException;

/**
 * How every weight matrix of a model is quantized: a {@link MatrixChoice} (method and config) per matrix, a uniform
 * choice for the matrices not listed, or none; matrices in {@code unquantized} stay dense.
 *
 * @param uniform     the choice of every matrix not in {@code perMatrix}, or empty when all must be listed
 * @param perMatrix   choices by matrix
 * @param unquantized matrices left in their checkpoint precision
 * @param label       short description for reports ({@code hqq b4g64}, {@code mxq quant-cfg-allot-mxq1.csv})
 */
public record QuantPlan(Optional<MatrixChoice> uniform, Map<MatrixKey, MatrixChoice> perMatrix,
                        Set<MatrixKey> unquantized, String label) {

    public QuantPlan {
        perMatrix = Map.copyOf(perMatrix);
        unquantized = Set.copyOf(unquantized);
    }

    /** The same config for every linear layer. */
    public static QuantPlan uniform(QuantMethod method, QuantConfig config) {
        MatrixChoice c = new MatrixChoice(method, config);
        return new QuantPlan(Optional.of(c), Map.of(), Set.of(), c.toString());
    }

    /** One config per listed matrix, all with {@code method} (an MXQ allocation is HQQ with per-matrix configs). */
    public static QuantPlan perMatrix(QuantMethod method, Map<MatrixKey, QuantConfig> configs, String label) {
        Map<MatrixKey, MatrixChoice> choices = new LinkedHashMap<>();
        configs.forEach((k, c) -> choices.put(k, new MatrixChoice(method, c)));
        return new QuantPlan(Optional.empty(), choices, Set.of(), label);
    }

    /** The same plan with {@code keys} left unquantized. */
    public QuantPlan leaving(Set<MatrixKey> keys) {
        java.util.Set<MatrixKey> all = new java.util.HashSet<>(unquantized);
        all.addAll(keys);
        return new QuantPlan(uniform, perMatrix, all, label);
    }

    /**
     * An MXQ allocation CSV ({@code quant-cfg-allot-*.csv}: columns {@code layer, module, b1, g1}, optionally
     * {@code b2, g2} (default 8, 128) and {@code model}); when a {@code model} column is present, only the rows
     * of {@code modelShortId} are used.
     */
    public static QuantPlan fromAllocationCsv(Path csv, String modelShortId) {
        List<String> lines;
        try {
            lines = Files.readAllLines(csv);
        } catch (IOException e) {
            throw new UserException(csv + ": cannot read (" + e.getMessage() + ")");
        }
        if (lines.isEmpty()) {
            throw new UserException(csv + ": empty allocation file");
        }
        List<String> header = Arrays.asList(lines.get(0).strip().split(","));
        int layer = column(header, "layer", csv);
        int module = column(header, "module", csv);
        int b1 = column(header, "b1", csv);
        int g1 = column(header, "g1", csv);
        int model = header.indexOf("model");
        int b2 = header.indexOf("b2");
        int g2 = header.indexOf("g2");
        Map<MatrixKey, QuantConfig> configs = new LinkedHashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] f = lines.get(i).strip().split(",", -1);
            try {
                if (model >= 0 && !f[model].equals(modelShortId)) {
                    continue;
                }
                configs.put(new MatrixKey(Integer.parseInt(f[layer]), f[module]),
                        new QuantConfig(Integer.parseInt(f[b1]), Integer.parseInt(f[g1]),
                                b2 < 0 ? 8 : Integer.parseInt(f[b2]), g2 < 0 ? 128 : Integer.parseInt(f[g2])));
            } catch (RuntimeException e) {
                throw new UserException(csv + ": line " + (i + 1) + ": " + e.getMessage());
            }
        }
        if (configs.isEmpty()) {
            throw new UserException(csv + ": no allocation rows" + (model >= 0 ? " for model " + modelShortId : ""));
        }
        return perMatrix(QuantMethod.HQQ, configs, "mxq " + csv.getFileName());
    }

    private static int column(List<String> header, String name, Path csv) {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new UserException(csv + ": no '" + name + "' column (expected an allocation CSV with layer, module, "
                    + "b1, g1)");
        }
        return i;
    }

    /**
     * The choice of one matrix: empty when the plan leaves it unquantized; a one-line error when an allocation
     * lacks it.
     */
    public Optional<MatrixChoice> choiceFor(MatrixKey key) {
        if (unquantized.contains(key)) {
            return Optional.empty();
        }
        MatrixChoice c = perMatrix.get(key);
        if (c != null) {
            return Optional.of(c);
        }
        return Optional.of(uniform.orElseThrow(() -> new UserException(label + ": no config for " + key.id())));
    }

    /** The methods the plan uses, in declaration order. */
    public java.util.SortedSet<QuantMethod> methods() {
        var methods = new java.util.TreeSet<QuantMethod>();
        uniform.ifPresent(c -> methods.add(c.method()));
        perMatrix.values().forEach(c -> methods.add(c.method()));
        return methods;
    }

    /** The method of a plan whose matrices all use one ({@code hqq}), else {@code mixed}. */
    public String methodName() {
        var methods = methods();
        return methods.size() == 1 ? methods.first().name().toLowerCase(Locale.ROOT) : "mixed";
    }
}
