package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.UserException;

/** The two modes a Slurm submission runs in: one subtask per process ({@code --subtask K}), then {@code --combine}. */
class HarnessSubtaskTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    private static Plan plan() {
        return Plan.of(List.of(ModelRef.parse("org-a/model-x"), ModelRef.parse("org-b/model-y")),
                List.of(Algo.HQQ, Algo.MXQ), List.of("b4g64", "b3g128", "4.25"), Task.EVAL_PPL);
    }

    private Harness harness(SubtaskRunner runner) {
        return new Harness(new Harness.Settings(tmp, "exp", false, false), runner, log);
    }

    @Test
    void subtasksRunInParallelProcessesAndCombineLikeALocalRun() throws Exception {
        Plan plan = plan();
        int n = plan.subtasks().size();
        List<Thread> tasks = new ArrayList<>();
        List<FakeRunner> runners = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            FakeRunner r = new FakeRunner(Set.of("b3g128"), 50);
            runners.add(r);
            int index = k;
            tasks.add(Thread.ofPlatform().start(() -> harness(r).runOne(plan, index)));
        }
        for (Thread t : tasks) {
            t.join();
        }
        for (int k = 0; k < n; k++) {
            assertEquals(List.of(plan.subtasks().get(k).label()), runners.get(k).ran, "task " + k + " ran only its own");
        }
        var progress = ProgressTable.read(tmp.resolve("exp/progress.csv"));
        for (Subtask s : plan.subtasks()) {
            assertEquals(s.cfg().equals("b3g128") ? ProgressTable.FAILED : ProgressTable.DONE,
                    progress.get(s.key()).status(), s.label());
        }
        Harness.Outcome combined = harness(new FakeRunner()).combine(plan);
        assertEquals(1, combined.exitCode());
        assertEquals(2, combined.failures().size());
        assertEquals(4, ResultFiles.readRows(combined.result().orElseThrow()).size());
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("exp: 6 subtasks, 4 done, 2 failed, 0 not run"));

        // the failed ones again, one process each: now every subtask is done, and the combination is a local run's
        for (int k = 0; k < n; k++) {
            Harness.Outcome one = harness(new FakeRunner()).runOne(plan, k);
            assertEquals(0, one.exitCode());
            assertEquals(plan.subtasks().get(k).cfg().equals("b3g128") ? 1 : 0, one.ran());
        }
        Path all = harness(new FakeRunner()).combine(plan).result().orElseThrow();
        Harness.Outcome local = new Harness(new Harness.Settings(tmp, "local", false, false), new FakeRunner(), log)
                .run(plan);
        assertEquals(withoutDurations(local.result().orElseThrow()), withoutDurations(all));
    }

    private static List<List<String>> withoutDurations(Path result) {
        int qd = ResultRow.COLUMNS.indexOf("quant_duration");
        return ResultFiles.readRows(result).stream().map(r -> {
            List<String> c = new ArrayList<>(r);
            c.remove(qd);
            return c;
        }).toList();
    }

    @Test
    void aSubtaskHeldByALiveProcessIsLeftAloneAndALocalRunExcludesTasks() {
        Plan plan = plan();
        Subtask s = plan.subtasks().get(0);
        Path lock = ProgressTable.stateDir(tmp.resolve("exp/progress.csv"))
                .resolve(s.stateFileName().replace(".json", ".lock"));
        FakeRunner runner = new FakeRunner();
        try (LockFile held = LockFile.tryAcquire(lock).orElseThrow()) {
            Harness.Outcome out = harness(runner).runOne(plan, 0);
            assertEquals(0, out.exitCode());
            assertEquals(List.of(), runner.ran);
            assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("being run by pid "
                    + ProcessHandle.current().pid()));
        }
        try (ExperimentLock local = ExperimentLock.acquire(tmp.resolve("exp"))) {
            UserException e = assertThrows(UserException.class, () -> harness(runner).runOne(plan, 0));
            assertTrue(e.getMessage().contains("is in use by a local run (pid " + ProcessHandle.current().pid()),
                    e.getMessage());
        }
        try (ExperimentLock task = ExperimentLock.acquireShared(tmp.resolve("exp"))) {
            UserException e = assertThrows(UserException.class, () -> harness(runner).run(plan));
            assertTrue(e.getMessage().contains("is in use by another run"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> harness(runner).runOne(plan, 6));
    }

    @Test
    void anArrayTaskIsRefusedWhileALocalRunInAnotherProcessHoldsTheExperiment() throws Exception {
        Path experiment = tmp.resolve("exp");
        String javaCmd = ProcessHandle.current().info().command().orElse("java");
        Process holder = new ProcessBuilder(List.of(javaCmd, "-cp", System.getProperty("java.class.path"),
                LockHolderMain.class.getName(), experiment.toString())).redirectErrorStream(true).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream(),
                StandardCharsets.UTF_8))) {
            assertEquals("locked", out.readLine());
            UserException e = assertThrows(UserException.class, () -> ExperimentLock.acquireShared(experiment));
            assertTrue(e.getMessage().contains("in use by a local run (pid " + holder.pid() + ")"), e.getMessage());
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        }
        try (ExperimentLock a = ExperimentLock.acquireShared(experiment)) {
            assertTrue(a != null, "free again once the local run died");
        }
    }
}
