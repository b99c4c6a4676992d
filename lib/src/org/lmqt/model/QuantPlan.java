package org.lmqt.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lmqt.cli.UserException;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;

/**
 * Which config every linear layer gets: one uniform {@code bXgY} for all matrices ({@code rtn} or {@code hqq}), or
 * a per-matrix MXQ allocation (keys {@code "<layer>.<module>"}, quantized with HQQ as the fork's MXQ does).
 *
 * @param method  how codes are chosen
 * @param uniform the config of every matrix not in {@code perMatrix}, or empty when all must be listed
 * @param perMatrix configs by {@code "<layer>.<module>"}
 * @param label   short description for reports ({@code hqq b4g64}, {@code mxq quant-cfg-allot-mxq1.csv})
 */
public record QuantPlan(QuantMethod method, Optional<QuantConfig> uniform, Map<String, QuantConfig> perMatrix,
                        String label) {

    public QuantPlan {
        perMatrix = Map.copyOf(perMatrix);
    }

    /** The same config for every linear layer. */
    public static QuantPlan uniform(QuantMethod method, QuantConfig config) {
        return new QuantPlan(method, Optional.of(config), Map.of(),
                method.name().toLowerCase(java.util.Locale.ROOT) + " " + config.name());
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
        Map<String, QuantConfig> configs = new LinkedHashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] f = lines.get(i).strip().split(",", -1);
            if (model >= 0 && !f[model].equals(modelShortId)) {
                continue;
            }
            try {
                configs.put(Integer.parseInt(f[layer]) + "." + f[module],
                        new QuantConfig(Integer.parseInt(f[b1]), Integer.parseInt(f[g1]),
                                b2 < 0 ? 8 : Integer.parseInt(f[b2]), g2 < 0 ? 128 : Integer.parseInt(f[g2])));
            } catch (RuntimeException e) {
                throw new UserException(csv + ": line " + (i + 1) + ": " + e.getMessage());
            }
        }
        if (configs.isEmpty()) {
            throw new UserException(csv + ": no allocation rows" + (model >= 0 ? " for model " + modelShortId : ""));
        }
        return new QuantPlan(QuantMethod.HQQ, Optional.empty(), configs, "mxq " + csv.getFileName());
    }

    private static int column(List<String> header, String name, Path csv) {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new UserException(csv + ": no '" + name + "' column (expected an allocation CSV with layer, module, "
                    + "b1, g1)");
        }
        return i;
    }

    /** The config of one matrix; a one-line error when an allocation lacks it. */
    public QuantConfig configFor(int layer, String module) {
        QuantConfig c = perMatrix.get(layer + "." + module);
        if (c != null) {
            return c;
        }
        return uniform.orElseThrow(() -> new UserException(label + ": no config for " + layer + "." + module));
    }
}
