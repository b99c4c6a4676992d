package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.UserException;

class HarnessTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    private static final List<ModelRef> MODELS = List.of(ModelRef.parse("org-a/model-x"),
            ModelRef.parse("org-b/model-y"));

    private Plan plan() {
        return Plan.of(MODELS, List.of(Algo.HQQ, Algo.MXQ), List.of("b4g64", "b3g128", "4.25"), Task.EVAL_PPL);
    }

    private Harness harness(String experiment, SubtaskRunner runner, boolean failFast, boolean dryRun) {
        return new Harness(new Harness.Settings(tmp, experiment, failFast, dryRun), runner, log);
    }

    private String logText() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void runsEveryCellOnceInTheOriginalOrderAndCombines() throws Exception {
        FakeRunner runner = new FakeRunner();
        Harness.Outcome out = harness("exp", runner, false, false).run(plan());
        assertEquals(6, out.ran());
        assertEquals(0, out.exitCode());
        // (model, cfg) descending as strings: org-b before org-a, b4g64 > b3g128 > 4_25
        assertEquals(List.of("eval_ppl hqq b4g64 model-y", "eval_ppl hqq b3g128 model-y", "eval_ppl mxq 4_25 model-y",
                "eval_ppl hqq b4g64 model-x", "eval_ppl hqq b3g128 model-x", "eval_ppl mxq 4_25 model-x"), runner.ran);
        Path result = out.result().orElseThrow();
        assertTrue(result.getFileName().toString().matches("result-exp-\\d{14}\\.csv"), result.toString());
        List<String> lines = Files.readAllLines(result);
        assertEquals(ResultRow.header(), lines.get(0));
        assertEquals(7, lines.size());
        for (List<String> row : ResultFiles.readRows(result)) {
            Subtask s = plan().subtasks().stream().filter(t -> t.model().name().equals(row.get(0))
                    && t.algo().cliName().equals(row.get(1)) && t.cfg().equals(row.get(2))).findFirst().orElseThrow();
            assertEquals(ResultRow.round(FakeRunner.perplexity(s), 4), Double.parseDouble(row.get(12)));
        }
        Map<ProgressTable.Key, ProgressTable.Entry> progress = ProgressTable.read(tmp.resolve("exp/progress.csv"));
        assertEquals(6, progress.size());
        assertTrue(progress.values().stream().allMatch(e -> e.status() == ProgressTable.DONE
                && e.completionTime().matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d")));
        assertTrue(logText().contains("[6/6] eval_ppl mxq 4_25 model-x: done in"), logText());
        assertTrue(logText().contains("left"), logText());
    }

    @Test
    void aRerunSkipsFinishedSubtasksAndRunsOnlyTheRest() {
        Plan plan = plan();
        Path progressFile = tmp.resolve("exp/progress.csv");
        ProgressTable table = ProgressTable.load(progressFile, plan);
        Subtask first = plan.runOrder().get(0);
        table.markDone(first, LocalDateTime.of(2024, 12, 23, 8, 4, 19));
        FakeRunner runner = new FakeRunner();
        Harness.Outcome out = harness("exp", runner, false, false).run(plan);
        assertEquals(1, out.skipped());
        assertEquals(5, out.ran());
        assertFalse(runner.ran.contains(first.label()));
        // the earlier completion time is kept
        assertEquals("2024-12-23 08:04:19", ProgressTable.read(progressFile).get(first.key()).completionTime());

        FakeRunner again = new FakeRunner();
        Harness.Outcome none = harness("exp", again, false, false).run(plan);
        assertEquals(List.of(), again.ran);
        assertEquals(0, none.exitCode());
        assertTrue(none.result().isEmpty(), "nothing ran and a result exists: no new result file");
    }

    @Test
    void combinesWhenARunDiedBetweenItsLastSubtaskAndTheCombination() {
        harness("exp", new FakeRunner(), false, false).run(plan());
        Path dir = tmp.resolve("exp");
        for (Path r : ResultFiles.results(dir, "exp")) {
            r.toFile().delete();
        }
        Harness.Outcome out = harness("exp", new FakeRunner(), false, false).run(plan());
        assertEquals(0, out.ran());
        assertEquals(6, ResultFiles.readRows(out.result().orElseThrow()).size());
    }

    @Test
    void aFailureIsRecordedWithItsMessageAndTheGridGoesOn() {
        FakeRunner runner = new FakeRunner(Set.of("b3g128"), 0);
        Harness.Outcome out = harness("exp", runner, false, false).run(plan());
        assertEquals(6, runner.ran.size());
        assertEquals(4, out.ran());
        assertEquals(2, out.failures().size());
        assertEquals(1, out.exitCode());
        Map<ProgressTable.Key, ProgressTable.Entry> progress = ProgressTable.read(tmp.resolve("exp/progress.csv"));
        Subtask failed = plan().subtasks().stream().filter(s -> s.cfg().equals("b3g128")).findFirst().orElseThrow();
        ProgressTable.Entry e = progress.get(failed.key());
        assertEquals(ProgressTable.FAILED, e.status());
        assertEquals("cannot quantize b3g128, second line", e.error());
        assertEquals(4, ResultFiles.readRows(out.result().orElseThrow()).size());
        assertTrue(logText().contains("2 of 6 subtasks failed"), logText());

        // a rerun retries only the failures
        FakeRunner retry = new FakeRunner();
        Harness.Outcome second = harness("exp", retry, false, false).run(plan());
        assertEquals(2, retry.ran.size());
        assertTrue(retry.ran.stream().allMatch(l -> l.contains("b3g128")));
        assertEquals(0, second.exitCode());
        assertEquals(6, ResultFiles.readRows(second.result().orElseThrow()).size());
    }

    @Test
    void failFastStopsAtTheFirstFailureWithoutCombining() {
        FakeRunner runner = new FakeRunner(Set.of("b3g128"), 0);
        Harness.Outcome out = harness("exp", runner, true, false).run(plan());
        assertEquals(2, runner.ran.size(), runner.ran.toString());   // b4g64 model-y, then b3g128 model-y fails
        assertEquals(4, out.notRun());
        assertEquals(1, out.exitCode());
        assertTrue(out.result().isEmpty());
        assertTrue(logText().contains("stopped by --fail-fast"), logText());
    }

    @Test
    void dryRunPrintsThePlanAndTouchesNothing() {
        Plan plan = plan();
        harness("exp", new FakeRunner(Set.of("4_25"), 0), false, false).run(plan);
        long filesBefore = tmp.resolve("exp").toFile().list().length;
        logBytes.reset();
        FakeRunner runner = new FakeRunner();
        Harness.Outcome out = harness("exp", runner, false, true).run(plan);
        assertEquals(List.of(), runner.ran);
        assertEquals(filesBefore, tmp.resolve("exp").toFile().list().length);
        assertEquals(4, out.skipped());
        assertEquals(2, out.notRun());
        String text = logText();
        assertTrue(text.contains("to run (failed before: cannot quantize 4_25, second line); fake"), text);
        assertTrue(text.contains("6 subtasks: 4 done, 2 to run"), text);
        assertTrue(text.lines().filter(l -> l.contains("eval_ppl hqq") && l.contains(" done 20")).count() == 4, text);
    }

    @Test
    void aSecondRunOnTheSameExperimentRefuses() {
        try (ExperimentLock held = ExperimentLock.acquire(tmp.resolve("exp"))) {
            UserException e = assertThrows(UserException.class,
                    () -> harness("exp", new FakeRunner(), false, false).run(plan()));
            assertTrue(e.getMessage().contains("is in use by another run (pid " + ProcessHandle.current().pid()),
                    e.getMessage());
        }
        // released: a run goes ahead
        assertEquals(0, harness("exp", new FakeRunner(), false, false).run(plan()).exitCode());
    }
}
