package org.lmqt.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lmqt.cli.UserException;
import org.lmqt.eval.KlDivergence;
import org.lmqt.io.AtomicFiles;

/**
 * The per-unit CSV of a run: one row per measured unit with its damage and proxies, rewritten atomically after
 * every unit, so a killed run leaves a complete file and the next run measures only the units it lacks. The file
 * records the run (model, method, config, tokens, unquantized perplexity); a file of another run is refused in one
 * line. Proxies are joined afresh on every run (they are cheap); only the damage columns are taken from the file.
 */
public final class UnitCsv {
    /** The columns. */
    public static final String HEADER = "unit,kind,layer,name,matrices,params,model,method,config,tokens,base_ppl,"
            + "ppl,delta_ppl,kld_mean,kld_median,kld_p99,kld_max,top1_agree,positions,fnorm,kurtosis,sensitivity";
    private static final int COLUMNS = HEADER.split(",").length;

    /**
     * What a row must match to be reused.
     *
     * @param model    model short id
     * @param method   quantization method ({@code hqq})
     * @param config   config name ({@code b3g64})
     * @param tokens   evaluation tokens
     * @param basePpl  the unquantized model's perplexity on them
     */
    public record Run(String model, String method, String config, int tokens, double basePpl) {}

    private UnitCsv() {}

    /**
     * The damage of every unit {@code file} holds for {@code run}, by unit id (empty when there is no file); a
     * one-line error for a file of another run or a damaged file.
     */
    public static Map<String, Damage> read(Path file, Run run) {
        if (!Files.isRegularFile(file)) {
            return Map.of();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new UserException(file + ": not a correlate unit table (expected the header " + HEADER + ")");
        }
        Map<String, Damage> out = new LinkedHashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",", -1);
            if (f.length != COLUMNS) {
                throw new UserException(file + " line " + (i + 1) + ": " + f.length + " fields, expected " + COLUMNS);
            }
            try {
                Run rowRun = new Run(f[6], f[7], f[8], Integer.parseInt(f[9]), Double.parseDouble(f[10]));
                if (!rowRun.equals(run)) {
                    throw new UserException(file + " was made by another run (" + describe(rowRun) + "; this run: "
                            + describe(run) + "): use another --output-dir or --force");
                }
                KlDivergence.Result kl = new KlDivergence.Result(Double.parseDouble(f[13]), Double.parseDouble(f[14]),
                        Double.parseDouble(f[15]), Double.parseDouble(f[16]), Double.parseDouble(f[17]),
                        Integer.parseInt(f[18]));
                out.put(f[0], new Damage(Double.parseDouble(f[11]), Double.parseDouble(f[12]), kl));
            } catch (NumberFormatException e) {
                throw new UserException(file + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** Writes the rows of {@code results} atomically. */
    public static void write(Path file, Run run, Collection<UnitResult> results) {
        List<String> rows = new ArrayList<>(List.of(HEADER));
        for (UnitResult r : results) {
            Damage d = r.damage();
            KlDivergence.Result kl = d.kl();
            ProxyValues p = r.proxies();
            rows.add(String.join(",", r.unit().id(), r.unit().kind().label(), Integer.toString(r.unit().layer()),
                    r.unit().name(), String.join("+", r.unit().matrices().stream().map(m -> m.module()).toList()),
                    Long.toString(r.params()), run.model(), run.method(), run.config(), Integer.toString(run.tokens()),
                    repr(run.basePpl()), repr(d.perplexity()), repr(d.deltaPpl()), repr(kl.mean()), repr(kl.median()),
                    repr(kl.p99()), repr(kl.max()), repr(kl.top1Agree()), Integer.toString(kl.positions()),
                    Correlation.cell(p.fnorm()), Correlation.cell(p.kurtosis()), Correlation.cell(p.sensitivity())));
        }
        AtomicFiles.writeString(file, String.join("\n", rows) + "\n");
    }

    private static String repr(double v) {
        return org.lmqt.io.PyFloat.repr(v);
    }

    private static String describe(Run r) {
        return r.model() + ", " + r.method() + " " + r.config() + ", " + r.tokens() + " tokens, base perplexity "
                + r.basePpl();
    }
}
