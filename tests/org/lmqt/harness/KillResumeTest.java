package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.model.ByteLevelTokenizerJson;

/**
 * Crash safety end to end: the harness runs as its own JVM on a tiny model, is killed with SIGKILL after it has
 * finished at least one subtask, and is started again; the combined result must equal an uninterrupted run's
 * (timing and memory columns aside).
 */
class KillResumeTest {
    @TempDir
    Path tmp;

    private Path model;
    private Path text;

    private void fixtures() throws IOException {
        model = tmp.resolve("tiny-llama");
        // meta-quantization needs (weights / group) divisible by 128: hidden 256, kv heads 2 qualify
        new TinyLlama(2, 256, 512, 4, 2, 512, 512, 10000.0, false, DType.BF16, 7).write(model);
        if (!Files.exists(model.resolve("tokenizer.json"))) {
            ByteLevelTokenizerJson.write(model, 512);
        }
        String moby = Files.readString(TestData.shared("corpus/moby-dick.txt"), StandardCharsets.UTF_8);
        text = Files.writeString(tmp.resolve("moby-slice.txt"), moby.substring(0, 4000));
    }

    private ProcessBuilder harness(String experiment, Path snapshots, Path log) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true", "-Dlmqt.threads=1", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), HarnessProcessMain.class.getName(),
                model.toString(), tmp.resolve("results").toString(), snapshots.toString(), experiment, text.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    }

    private static int doneCount(Path progress) {
        try {
            return (int) ProgressTable.read(progress).values().stream()
                    .filter(e -> e.status() == ProgressTable.DONE).count();
        } catch (RuntimeException e) {
            return 0;   // not written yet
        }
    }

    /** The result rows without the timing and memory columns. */
    private static List<List<String>> withoutTimings(Path result) {
        List<Integer> timing = ResultRow.TIMING_COLUMNS.stream().map(ResultRow.COLUMNS::indexOf).toList();
        List<List<String>> rows = new ArrayList<>();
        for (List<String> r : ResultFiles.readRows(result)) {
            List<String> kept = new ArrayList<>();
            for (int i = 0; i < r.size(); i++) {
                if (!timing.contains(i)) {
                    kept.add(r.get(i));
                }
            }
            rows.add(kept);
        }
        return rows;
    }

    @Test
    void killedRunResumesAndEndsWithTheUninterruptedResult() throws Exception {
        fixtures();
        int total = HarnessProcessMain.plan(model).subtasks().size();

        // uninterrupted run
        Path logA = tmp.resolve("a.log");
        Process a = harness("straight", tmp.resolve("snap-a"), logA).start();
        assertEquals(0, a.waitFor(), Files.readString(logA));
        Path straight = ResultFiles.results(tmp.resolve("results/straight"), "straight").get(0);

        // killed run: SIGKILL as soon as one subtask is recorded
        Path logB = tmp.resolve("b.log");
        Path progress = tmp.resolve("results/crashed/progress.csv");
        Process b = harness("crashed", tmp.resolve("snap-b"), logB).start();
        while (b.isAlive() && doneCount(progress) < 1) {
            Thread.sleep(10);
        }
        b.destroyForcibly().waitFor();
        int doneAtKill = doneCount(progress);
        assertTrue(doneAtKill >= 1 && doneAtKill < total, "killed after " + doneAtKill + " of " + total
                + " subtasks; expected in between:\n" + Files.readString(logB));
        assertEquals(List.of(), ResultFiles.results(tmp.resolve("results/crashed"), "crashed"));

        // the same command again: only the rest runs, and the lock of the killed process is gone
        Files.writeString(logB, "");
        Process again = harness("crashed", tmp.resolve("snap-b"), logB).start();
        assertEquals(0, again.waitFor(), Files.readString(logB));
        String out = Files.readString(logB);
        assertTrue(out.contains(total + " subtasks, " + doneAtKill + " done before, " + (total - doneAtKill)
                + " to run"), out);
        Path resumed = ResultFiles.results(tmp.resolve("results/crashed"), "crashed").get(0);

        List<List<String>> expected = withoutTimings(straight);
        assertEquals(total, expected.size());
        assertEquals(expected, withoutTimings(resumed));
        // perplexities were measured (not left at 0) and differ between configs
        assertTrue(expected.stream().map(r -> r.get(ResultRow.COLUMNS.stream()
                .filter(c -> !ResultRow.TIMING_COLUMNS.contains(c)).toList().indexOf("ppl_wikitext")))
                .filter(v -> Double.parseDouble(v) > 1).distinct().count() > 1, expected.toString());
        // nothing half-written is left behind
        try (Stream<Path> files = Stream.concat(Files.walk(tmp.resolve("results")), Files.walk(tmp.resolve("snap-b")))) {
            List<Path> leftovers = files.filter(p -> p.getFileName().toString().contains(".tmp")).toList();
            assertEquals(List.of(), leftovers);
        }
    }
}
