package org.lmqt.eval.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.io.parquet.DuckDb;
import org.lmqt.model.LoadedModel;

/** MMLU as a group: the subjects found in the hub cache, each evaluated, then the size-weighted group metrics. */
class MmluGroupTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    @TempDir
    static Path tmp;
    static Path cache;

    /** UTF-8 bytes as ids after a BOS, within the tiny model's 256 ids. */
    static final Function<String, long[]> BYTES = text -> {
        byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long[] ids = new long[b.length + 1];
        ids[0] = 1;
        for (int i = 0; i < b.length; i++) {
            ids[i + 1] = (b[i] & 0xff) % 253 + 3;
        }
        return ids;
    };

    /** Made-up MMLU rows of {@code subject}: {@code n} questions with four choices. */
    static String rows(String subject, int n, int seed) {
        return "SELECT 'Question ' || i || ' on " + subject + ": what is ' || (i * " + seed + ") || '?' AS question, '"
                + subject + "' AS subject, [CAST(i AS VARCHAR), CAST(i + 1 AS VARCHAR), 'none', 'all of the above'] "
                + "AS choices, CAST((i * " + seed + ") % 4 AS BIGINT) AS answer FROM range(" + n + ") t(i)";
    }

    /** Three subjects of two categories, each with test and dev splits, as cais/mmlu lays them out. */
    @BeforeAll
    static void writeCache() throws SQLException {
        cache = tmp.resolve("hub");
        try (DuckDb duck = new DuckDb()) {
            Path fixtures = TestData.shared("fixtures/lm-eval");
            HubTaskData.writeJsonl(duck, cache, "cais/mmlu", HubTaskData.Branch.MAIN,
                    "abstract_algebra/test-00000-of-00001.parquet", fixtures.resolve("mmlu_abstract_algebra.jsonl"));
            HubTaskData.writeJsonl(duck, cache, "cais/mmlu", HubTaskData.Branch.MAIN,
                    "abstract_algebra/dev-00000-of-00001.parquet", fixtures.resolve("mmlu_abstract_algebra.dev.jsonl"));
            for (String[] s : new String[][] {{"anatomy", "5", "3"}, {"philosophy", "4", "7"}}) {
                HubTaskData.write(duck, cache, "cais/mmlu", HubTaskData.Branch.MAIN, s[0]
                        + "/test-00000-of-00001.parquet", rows(s[0], Integer.parseInt(s[1]), Integer.parseInt(s[2])));
                HubTaskData.write(duck, cache, "cais/mmlu", HubTaskData.Branch.MAIN, s[0]
                        + "/dev-00000-of-00001.parquet", rows(s[0], 5, 11));
            }
        }
    }

    @Test
    void subjectsAndCategoriesAreLmEvals() {
        assertEquals(57, MmluSubjects.ALL.size());
        assertEquals(List.of(19, 13, 12, 13), MmluSubjects.CATEGORIES.stream().map(c -> MmluSubjects.of(c).size())
                .toList());
        assertEquals("humanities", MmluSubjects.category("moral_scenarios"));
        assertEquals("stem", MmluSubjects.category("anatomy"));
        assertEquals("The following are multiple choice questions (with answers) about high school government and "
                + "politics.\n\n", new MmluTask("high_school_government_and_politics").description(null));
        assertThrows(IllegalArgumentException.class, () -> Tasks.byName("mmlu_astrology"));
    }

    @Test
    void theGroupEvaluatesTheCachedSubjectsAndWeightsBySize() {
        GroupEvaluation eval = new GroupEvaluation(TaskGroup.MMLU, 0, 1234);
        Map<String, TaskFiles> members = eval.cachedMembers(cache);
        assertEquals(List.of("mmlu_abstract_algebra", "mmlu_anatomy", "mmlu_philosophy"),
                List.copyOf(members.keySet()));
        // 5-shot: the same requests per document, each with the 5 dev rows in front
        GroupEvaluation fiveShot = new GroupEvaluation(TaskGroup.MMLU, 5, 1234);
        assertEquals(eval.requests(members, Optional.empty()),
                fiveShot.requests(fiveShot.cachedMembers(cache), Optional.empty()));
        assertEquals((3 + 4 + 4) * 4, eval.requests(members, Optional.of(4)));
        try (LoadedModel m = LoadedModel.open(TestData.shared("fixtures/llama/tiny-llama-gqa-bf16").toString(),
                ComputeDevice.CPU)) {
            int[] seen = {0};
            GroupEvaluation.Outcome o = eval.run(m.model(), BYTES, members, Optional.of(4), i -> seen[0]++);
            assertEquals(44, seen[0]);
            assertEquals(54, o.missing().size());
            assertEquals(List.of("mmlu", "mmlu_stem", "mmlu_humanities"), List.copyOf(o.groups().keySet()));
            var aa = o.tasks().get("mmlu_abstract_algebra");
            var an = o.tasks().get("mmlu_anatomy");
            var ph = o.tasks().get("mmlu_philosophy");
            assertEquals(List.of(3, 4, 4), List.of(aa.documents(), an.documents(), ph.documents()));
            double correct = 3 * aa.metrics().get("acc") + 4 * an.metrics().get("acc") + 4 * ph.metrics().get("acc");
            assertEquals(correct / 11, o.groups().get("mmlu").get("acc"), 1e-12);
            assertEquals(11.0, o.groups().get("mmlu").get("samples"));
            assertEquals(ph.metrics().get("acc"), o.groups().get("mmlu_humanities").get("acc"), 1e-15);
            assertEquals(GroupMetrics.aggregate(List.of(GroupMetrics.Member.of(aa), GroupMetrics.Member.of(an))),
                    o.groups().get("mmlu_stem"));
        }
    }

    @Test
    void aCategoryWithoutCachedSubjectsIsAOneLineError() {
        UserException e = assertThrows(UserException.class,
                () -> new GroupEvaluation(TaskGroup.mmluCategory("other"), 0, 1234).cachedMembers(cache));
        assertTrue(e.getMessage().startsWith("mmlu_other: none of its 13 tasks is in the Hugging Face hub cache "
                + cache), e.getMessage());
    }
}
