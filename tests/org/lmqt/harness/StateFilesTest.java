package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many writers finishing at once (Slurm array tasks) each record their own subtask; no update is lost. */
class StateFilesTest {
    @TempDir
    Path tmp;

    private static Plan plan() {
        return Plan.of(List.of(ModelRef.parse("org/m")), List.of(Algo.HQQ, Algo.RTN),
                List.of("b4g64", "b4g128", "b3g64", "b3g128", "b2g64"), Task.EVAL_PPL);
    }

    @Test
    void concurrentWritersWithStaleTablesLoseNoUpdate() throws Exception {
        Plan plan = plan();
        Path file = tmp.resolve("exp/progress.csv");
        int n = plan.subtasks().size();
        // every writer loaded the table before any other wrote: each one's rows are stale
        List<ProgressTable> tables = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tables.add(ProgressTable.load(file, plan));
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ProgressTable t = tables.get(i);
            Subtask s = plan.subtasks().get(i);
            boolean fail = i % 3 == 0;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                if (fail) {
                    t.markFailed(s, LocalDateTime.of(2026, 1, 1, 0, 0), "boom");
                } else {
                    t.markDone(s, LocalDateTime.of(2026, 1, 1, 0, 0));
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        Map<ProgressTable.Key, ProgressTable.Entry> rows = ProgressTable.read(file);
        for (int i = 0; i < n; i++) {
            Subtask s = plan.subtasks().get(i);
            assertEquals(i % 3 == 0 ? ProgressTable.FAILED : ProgressTable.DONE, rows.get(s.key()).status(), s.label());
            assertTrue(Files.isRegularFile(ProgressTable.stateFile(file, s)), "state file of " + s.label());
        }
    }

    @Test
    void theStateFilesWinOverTheTableAndRebuildIt() {
        Plan plan = plan();
        Path file = tmp.resolve("exp/progress.csv");
        Subtask s = plan.subtasks().get(2);
        ProgressTable.load(file, plan).markDone(s, LocalDateTime.of(2026, 2, 3, 4, 5, 6));
        assertTrue(Files.exists(file));
        org.lmqt.io.AtomicFiles.writeString(file, String.join(",", ProgressTable.COLUMNS) + "\n");   // a lost table
        ProgressTable again = ProgressTable.load(file, plan);
        assertTrue(again.isDone(s));
        again.write();
        assertEquals("2026-02-03 04:05:06", ProgressTable.read(file).get(s.key()).completionTime());
        // distinct local folders of the same name get distinct state files
        assertTrue(!new Subtask(ModelRef.parse("a/x"), "b4g64", Task.QUANT, Algo.HQQ).stateFileName()
                .equals(new Subtask(ModelRef.parse("b/x"), "b4g64", Task.QUANT, Algo.HQQ).stateFileName()));
    }

    @Test
    void deletingAStateFileRunsItsSubtaskAgainAndAnOlderTableIsTakenOver() throws Exception {
        Plan plan = plan();
        Path file = tmp.resolve("exp/progress.csv");
        Subtask a = plan.subtasks().get(0);
        Subtask b = plan.subtasks().get(1);
        // progress.csv of an older lmqt: no state folder; its rows count
        org.lmqt.io.AtomicFiles.writeString(file, String.join(",", ProgressTable.COLUMNS) + "\n"
                + String.join(",", a.key().model(), a.cfg(), "eval_ppl", "hqq", "1", "2025-01-01 00:00:00", "") + "\n"
                + "org/other,b4g64,eval_ppl,hqq,1,2025-01-02 00:00:00,\n");
        ProgressTable old = ProgressTable.load(file, plan);
        assertTrue(old.isDone(a));
        old.markDone(b, LocalDateTime.of(2026, 1, 1, 0, 0));
        assertTrue(Files.isRegularFile(ProgressTable.stateFile(file, a)), "the older row got its state file");
        var foreign = new ProgressTable.Key("org/other", "b4g64", "eval_ppl", "hqq");
        assertEquals("2025-01-02 00:00:00", ProgressTable.read(file).get(foreign).completionTime(), "foreign row kept");
        // delete a state file: that subtask is to do again, in the table too
        Files.delete(ProgressTable.stateFile(file, a));
        ProgressTable again = ProgressTable.load(file, plan);
        assertEquals(ProgressTable.TODO, again.entry(a).status());
        assertTrue(again.isDone(b));
        again.write();
        assertEquals(ProgressTable.TODO, ProgressTable.read(file).get(a.key()).status());
        assertEquals(a.key().stateFileName(), a.stateFileName());
        assertTrue(a.stateFileName().startsWith("eval_ppl-hqq-m-"), a.stateFileName());
    }
}
