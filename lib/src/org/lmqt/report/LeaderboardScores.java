package org.lmqt.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.lmqt.cli.UserException;
import tech.tablesaw.api.Table;

/**
 * The Open LLM Leaderboard's six scores from an lm-eval results JSON (task {@code leaderboard}), normalized as the
 * original toolkit does (lmqt-spec §4.12): {@code norm(v, lo) = 0 if v < lo else 100 (v - lo) / (1 - lo)} with the
 * random-guess baseline {@code lo}:
 * <ul>
 * <li>{@code ifeval}: the mean of {@code norm(inst_level_strict_acc, 0)} and {@code norm(prompt_level_strict_acc, 0)};</li>
 * <li>{@code bbh}: the mean over the BBH subtasks of {@code norm(acc_norm, 1/choices)}, the choices counted from the
 *     subtask's {@code doc_to_choice} list in the file's {@code configs};</li>
 * <li>{@code mathlevel5}: {@code norm(exact_match, 0)} of {@code leaderboard_math_hard}, else the mean over its
 *     subtasks;</li>
 * <li>{@code gpqa}: {@code norm(acc_norm, 1/4)} of {@code leaderboard_gpqa}, else the mean over its subtasks;</li>
 * <li>{@code musr}: the mean over murder mysteries (2 choices), object placements (5) and team allocation (3) of
 *     {@code norm(acc_norm, 1/k)};</li>
 * <li>{@code mmlupro}: {@code norm(acc, 0.1)}.</li>
 * </ul>
 * Metric keys carry lm-eval's filter suffix ({@code acc_norm,none}); a score whose tasks are absent is NaN.
 */
public final class LeaderboardScores {
    /** The six columns, in the original's result order. */
    public static final List<String> COLUMNS = List.of("ifeval", "bbh", "mathlevel5", "gpqa", "musr", "mmlupro");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Integer> MUSR = Map.of("murder_mysteries", 2, "object_placements", 5,
            "team_allocation", 3);
    /** The original's results file name: {@code <short model>-<cfg>-<algo>-results.json}. */
    private static final Pattern FILE = Pattern.compile("(.+)-([^-]+)-([^-]+)-results\\.json");

    private LeaderboardScores() {}

    /** {@code 0} below the baseline {@code lo}, else {@code 100 (v - lo) / (1 - lo)}. */
    public static double norm(double v, double lo) {
        return v < lo ? 0 : 100 * (v - lo) / (1 - lo);
    }

    /** The six scores of one results JSON, by column. */
    public static Map<String, Double> of(JsonNode doc, String where) {
        JsonNode results = doc.path("results");
        if (!results.isObject()) {
            throw new UserException(where + ": no \"results\" object (not an lm-eval results file)");
        }
        Map<String, Double> out = new LinkedHashMap<>();
        JsonNode ifeval = results.path("leaderboard_ifeval");
        out.put("ifeval", ifeval.isMissingNode() ? Double.NaN : (norm(metric(ifeval, "inst_level_strict_acc", where), 0)
                + norm(metric(ifeval, "prompt_level_strict_acc", where), 0)) / 2);
        // BBH: every subtask with its own number of choices
        List<Double> bbh = new ArrayList<>();
        for (String task : subtasks(results, "leaderboard_bbh_")) {
            JsonNode choices = doc.path("configs").path(task).path("doc_to_choice");
            if (!choices.isArray() || choices.isEmpty()) {
                throw new UserException(where + ": " + task + " has no doc_to_choice list in \"configs\" to count its "
                        + "choices");
            }
            bbh.add(norm(metric(results.path(task), "acc_norm", where), 1.0 / choices.size()));
        }
        out.put("bbh", mean(bbh));
        out.put("mathlevel5", groupOrMean(results, "leaderboard_math_hard", "leaderboard_math_", "exact_match", 0,
                where));
        out.put("gpqa", groupOrMean(results, "leaderboard_gpqa", "leaderboard_gpqa_", "acc_norm", 0.25, where));
        List<Double> musr = new ArrayList<>();
        MUSR.forEach((name, k) -> {
            JsonNode t = results.path("leaderboard_musr_" + name);
            if (!t.isMissingNode()) {
                musr.add(norm(metric(t, "acc_norm", where), 1.0 / k));
            }
        });
        out.put("musr", mean(musr));
        JsonNode mmlupro = results.path("leaderboard_mmlu_pro");
        out.put("mmlupro", mmlupro.isMissingNode() ? Double.NaN : norm(metric(mmlupro, "acc", where), 0.1));
        return out;
    }

    /** The scores of a results file. */
    public static Map<String, Double> read(Path file) {
        try {
            return of(JSON.readTree(file.toFile()), file.toString());
        } catch (IOException e) {
            throw new UserException(file + ": invalid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    /**
     * One row per {@code <short model>-<cfg>-<algo>-results.json} below {@code dir} (recursively): model, algo,
     * config and the six scores, files in name order.
     */
    public static Table table(Path dir) {
        Tidy t = new Tidy(Stream.concat(Stream.of("model", "algo", "config"), COLUMNS.stream()).toArray(String[]::new));
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> FILE.matcher(p.getFileName().toString()).matches()).sorted().toList();
        } catch (IOException e) {
            throw new UserException("cannot read " + dir + ": " + e.getMessage());
        }
        for (Path f : files) {
            Matcher m = FILE.matcher(f.getFileName().toString());
            m.matches();
            Map<String, Double> s = read(f);
            List<Object> row = new ArrayList<>(List.of(m.group(1), m.group(3), m.group(2)));
            COLUMNS.forEach(c -> row.add(s.get(c)));
            t.row(row.toArray());
        }
        return t.table("leaderboard");
    }

    private static double groupOrMean(JsonNode results, String group, String prefix, String metric, double lo,
                                      String where) {
        JsonNode g = results.path(group);
        if (!g.isMissingNode() && hasMetric(g, metric)) {
            return norm(metric(g, metric, where), lo);
        }
        List<Double> parts = new ArrayList<>();
        for (String task : subtasks(results, prefix)) {
            if (!task.equals(group)) {
                parts.add(norm(metric(results.path(task), metric, where), lo));
            }
        }
        return mean(parts);
    }

    private static List<String> subtasks(JsonNode results, String prefix) {
        List<String> names = new ArrayList<>();
        results.fieldNames().forEachRemaining(n -> {
            if (n.startsWith(prefix)) {
                names.add(n);
            }
        });
        return names;
    }

    private static boolean hasMetric(JsonNode task, String metric) {
        return find(task, metric).isPresent();
    }

    /** The value of {@code metric} (any filter: {@code metric,none}, {@code metric,strict-match}, ...). */
    private static double metric(JsonNode task, String metric, String where) {
        return find(task, metric).orElseThrow(() -> new UserException(where + ": no " + metric + " in " + task));
    }

    private static Optional<Double> find(JsonNode task, String metric) {
        for (var it = task.fields(); it.hasNext(); ) {
            var e = it.next();
            String key = e.getKey();
            if ((key.equals(metric) || key.startsWith(metric + ",")) && e.getValue().isNumber()) {
                return Optional.of(e.getValue().asDouble());
            }
        }
        return Optional.empty();
    }

    private static double mean(List<Double> v) {
        return v.isEmpty() ? Double.NaN : v.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }
}
