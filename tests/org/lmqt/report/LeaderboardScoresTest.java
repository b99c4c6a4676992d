package org.lmqt.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.UserException;
import tech.tablesaw.api.Table;

/** The leaderboard normalization of lmqt-spec §4.12 on a results file in lm-eval's layout. */
class LeaderboardScoresTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A results JSON with the leaderboard's task names, metric keys with filters, and BBH configs. */
    private static ObjectNode results() {
        ObjectNode doc = JSON.createObjectNode();
        ObjectNode r = doc.putObject("results");
        r.putObject("leaderboard_ifeval").put("inst_level_strict_acc,none", 0.6).put("prompt_level_strict_acc,none", 0.5)
                .put("inst_level_strict_acc_stderr,none", "N/A");
        r.putObject("leaderboard_bbh_navigate").put("acc_norm,none", 0.75).put("acc_norm_stderr,none", 0.03);
        r.putObject("leaderboard_bbh_date_understanding").put("acc_norm,none", 0.1);          // below 1/6: 0
        r.putObject("leaderboard_bbh").put("acc_norm,none", 0.42);                            // the group: unused
        ObjectNode configs = doc.putObject("configs");
        configs.putObject("leaderboard_bbh_navigate").putArray("doc_to_choice").add("Yes").add("No");
        var six = configs.putObject("leaderboard_bbh_date_understanding").putArray("doc_to_choice");
        for (String c : List.of("(A)", "(B)", "(C)", "(D)", "(E)", "(F)")) {
            six.add(c);
        }
        r.putObject("leaderboard_math_algebra_hard").put("exact_match,none", 0.2);
        r.putObject("leaderboard_math_geometry_hard").put("exact_match,none", 0.1);
        r.putObject("leaderboard_gpqa_diamond").put("acc_norm,none", 0.3);
        r.putObject("leaderboard_gpqa_main").put("acc_norm,none", 0.2);                     // below 1/4: 0
        r.putObject("leaderboard_musr_murder_mysteries").put("acc_norm,none", 0.6);
        r.putObject("leaderboard_musr_object_placements").put("acc_norm,none", 0.3);
        r.putObject("leaderboard_musr_team_allocation").put("acc_norm,none", 0.4);
        r.putObject("leaderboard_mmlu_pro").put("acc,none", 0.325);
        return doc;
    }

    @Test
    void scoresAreNormalizedAgainstEachTasksRandomBaseline() {
        Map<String, Double> s = LeaderboardScores.of(results(), "test");
        assertEquals(55.0, s.get("ifeval"), 1e-9);
        assertEquals((100 * (0.75 - 0.5) / 0.5 + 0) / 2, s.get("bbh"), 1e-9, "subtasks with 2 and 6 choices");
        assertEquals(15.0, s.get("mathlevel5"), 1e-9, "the mean over the subtasks without a group row");
        assertEquals((100 * (0.3 - 0.25) / 0.75 + 0) / 2, s.get("gpqa"), 1e-9);
        assertEquals((100 * (0.6 - 0.5) / 0.5 + 100 * (0.3 - 0.2) / 0.8 + 100 * (0.4 - 1.0 / 3) / (2.0 / 3)) / 3,
                s.get("musr"), 1e-9);
        assertEquals(25.0, s.get("mmlupro"), 1e-9);
        assertEquals(LeaderboardScores.COLUMNS, List.copyOf(s.keySet()));
    }

    @Test
    void aGroupRowIsTakenWhenThereIsOne() {
        ObjectNode doc = results();
        ((ObjectNode) doc.path("results")).putObject("leaderboard_math_hard").put("exact_match,none", 0.5);
        ((ObjectNode) doc.path("results")).putObject("leaderboard_gpqa").put("acc_norm,none", 0.4);
        Map<String, Double> s = LeaderboardScores.of(doc, "test");
        assertEquals(50.0, s.get("mathlevel5"), 1e-9);
        assertEquals(20.0, s.get("gpqa"), 1e-9);
    }

    @Test
    void filesBecomeRowsNamedAsTheOriginalNamesThem(@TempDir Path tmp) throws Exception {
        Files.createDirectories(tmp.resolve("exp"));
        JSON.writeValue(tmp.resolve("exp/Llama-2-7b-hf-b4g64-hqq-results.json").toFile(), results());
        ObjectNode missing = JSON.createObjectNode();
        missing.putObject("results").putObject("leaderboard_mmlu_pro").put("acc,none", 0.1);
        JSON.writeValue(tmp.resolve("exp/Llama-2-7b-hf-base-fp16-results.json").toFile(), missing);
        Table t = LeaderboardScores.table(tmp);
        assertEquals(2, t.rowCount());
        assertEquals(List.of("model", "algo", "config", "ifeval", "bbh", "mathlevel5", "gpqa", "musr", "mmlupro"),
                t.columnNames());
        // name order: "...-b4g64-hqq-..." before "...-base-fp16-..."
        assertEquals("hqq", t.column("algo").getString(0));
        assertEquals("b4g64", t.column("config").getString(0));
        assertEquals("fp16", t.column("algo").getString(1));
        assertEquals("Llama-2-7b-hf", t.column("model").getString(1));
        assertEquals(55.0, ((Number) t.column("ifeval").get(0)).doubleValue(), 1e-9);
        assertTrue(t.column("ifeval").isMissing(1), "absent tasks are missing (empty in the CSV)");
        assertEquals(0.0, ((Number) t.column("mmlupro").get(1)).doubleValue(), 1e-12, "at the 0.1 baseline");
    }

    @Test
    void aBbhSubtaskWithoutItsChoicesIsAOneLineError() {
        ObjectNode doc = results();
        ((ObjectNode) doc.path("configs")).remove("leaderboard_bbh_navigate");
        UserException e = assertThrows(UserException.class, () -> LeaderboardScores.of(doc, "f.json"));
        assertTrue(e.getMessage().contains("leaderboard_bbh_navigate"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
