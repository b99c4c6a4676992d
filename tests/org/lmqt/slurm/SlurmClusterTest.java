package org.lmqt.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.harness.Algo;
import org.lmqt.harness.ModelRef;
import org.lmqt.harness.Plan;
import org.lmqt.harness.ProgressTable;
import org.lmqt.harness.ResultFiles;
import org.lmqt.harness.ResultRow;
import org.lmqt.harness.Subtask;
import org.lmqt.harness.Task;
import org.lmqt.model.ByteLevelTokenizerJson;

/**
 * {@code quant-llm --slurm} on a real Slurm (the single-node cluster of {@code .ci/slurm-up}), through the real
 * {@code ./jbang} launcher: the grid submitted as a job array ends with the result of the same grid run locally
 * (timing and memory columns aside); an array task cancelled with {@code scancel} is submitted again, and only it;
 * two arrays on one snapshot root quantize each snapshot once; and the error paths. Skipped, with a message, only
 * when {@code CI} is unset and no Slurm answers.
 */
class SlurmClusterTest {
    private static final Path ROOT = TestData.root();
    private static final long TIMEOUT_SECONDS = 300;

    @TempDir
    Path tmp;

    private String partition;

    @BeforeEach
    void slurmIsUp() {
        Slurm slurm = Slurm.fromEnvironment();
        String why = null;
        if (!slurm.available()) {
            why = "sbatch is not on the PATH";
        } else {
            try {
                List<String> partitions = slurm.partitions();
                if (partitions.isEmpty()) {
                    why = "sinfo lists no partition";
                } else {
                    partition = partitions.get(0);
                }
            } catch (RuntimeException e) {
                why = "sinfo does not answer (" + e.getMessage() + ")";
            }
        }
        if (why != null) {
            String message = "no Slurm reachable: " + why + "; start the single-node cluster with .ci/slurm-up";
            if (System.getenv("CI") != null) {
                fail(message + " (CI is set: the Slurm tests must run)");
            }
            Assumptions.assumeTrue(false, "skipped: " + message);
        }
    }

    record Run(int exit, String out, String err) {}

    private Run quantLlm(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("jbang").toString(),
                ROOT.resolve("scripts/quant-llm.java").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().put("JBANG_NO_VERSION_CHECK", "true");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        pb.environment().put("LMQT_THREADS", "1");
        pb.environment().remove("LMQT_TEST_HOLD_SUBTASK");
        pb.environment().putAll(env);
        Path out = Files.createTempFile(tmp, "run", ".out");
        Path err = Files.createTempFile(tmp, "run", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("timed out: " + cmd);
        }
        Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err).lines()
                .filter(l -> !l.startsWith("WARNING") && !l.startsWith("[jbang]") && !l.startsWith("warning:")
                        && !l.startsWith("Note:") && !l.matches("\\d+ warnings?")).reduce("", (a, b) -> a + b + "\n"));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    private List<String> grid(String experiment, String snapshots) {
        return new ArrayList<>(List.of("--model", "tiny", "--algo", "fp16", "hqq", "rtn", "--config", "b4g64",
                "--task", "eval_ppl", "--dataset", "moby.txt", "--max-tokens", "160", "--max-length", "64",
                "--stride", "32", "--result-dir", "results", "--quant-snapshot-dir", snapshots,
                "--experiment-name", experiment));
    }

    private Run quantLlm(Map<String, String> env, List<String> args, String... more) throws Exception {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return quantLlm(env, all.toArray(String[]::new));
    }

    /** The array and combine job ids of a submission's output. */
    private static List<String> jobs(Run r) {
        Matcher m = Pattern.compile("submitted array job (\\d+) .* and combine job (\\d+) ").matcher(r.out());
        assertTrue(m.find(), r.out() + r.err());
        return List.of(m.group(1), m.group(2));
    }

    private static String slurm(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    /** Waits until none of {@code jobs} is queued or running any more. */
    private void awaitEnd(List<String> jobs) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!slurm("squeue", "-h", "-j", String.join(",", jobs)).isBlank()) {
            if (System.nanoTime() > end) {
                fail("jobs " + jobs + " still queued after " + TIMEOUT_SECONDS + " s:\n" + slurm("squeue") + logs());
            }
            Thread.sleep(500);
        }
    }

    private String logs() throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(tmp.resolve("results"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".out")).sorted().toList()) {
                sb.append("--- ").append(p).append('\n').append(Files.readString(p));
            }
        }
        return sb.toString();
    }

    private Path newestResult(String experiment) {
        List<Path> results = ResultFiles.results(tmp.resolve("results").resolve(experiment), experiment);
        assertFalse(results.isEmpty(), "no result file of " + experiment);
        return results.get(results.size() - 1);
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

    private Path fixtures() throws IOException {
        Path model = tmp.resolve("tiny");
        new TinyLlama(2, 256, 512, 4, 2, 512, 512, 10000.0, false, DType.BF16, 7).write(model);
        if (!Files.exists(model.resolve("tokenizer.json"))) {
            ByteLevelTokenizerJson.write(model, 512);
        }
        String moby = Files.readString(TestData.shared("corpus/moby-dick.txt"), StandardCharsets.UTF_8);
        Files.writeString(tmp.resolve("moby.txt"), moby.substring(0, 4000));
        return model;
    }

    @Test
    void theGridAsAJobArrayEqualsTheLocalRunAndACancelledTaskIsResubmitted() throws Exception {
        Path model = fixtures();
        Plan plan = Plan.of(List.of(ModelRef.parse(model.toString())), List.of(Algo.FP16, Algo.HQQ, Algo.RTN),
                List.of("b4g64"), Task.EVAL_PPL);
        int held = 1;
        Subtask heldSubtask = plan.subtasks().get(held);
        assertEquals(Algo.HQQ, heldSubtask.algo());

        Run local = quantLlm(Map.of(), grid("local", "snap-local"));
        assertEquals(0, local.exit(), local.out() + local.err());
        List<List<String>> expected = withoutTimings(newestResult("local"));
        assertEquals(3, expected.size());

        // two arrays on one snapshot root; in the second, the hqq task holds (test hook) until it is cancelled
        List<String> options = List.of("--slurm", "--partition", partition, "--cpus-per-task", "1", "--time", "10",
                "--max-parallel", "2");
        Run a = quantLlm(Map.of(), grid("array", "snap-shared"), options.toArray(String[]::new));
        assertEquals(0, a.exit(), a.out() + a.err());
        assertTrue(a.out().contains("array: 3 subtasks, 0 done, 0 queued or running, 3 to submit"), a.out());
        Run b = quantLlm(Map.of("LMQT_TEST_HOLD_SUBTASK", held + ":600"), grid("cancelled", "snap-shared"),
                options.toArray(String[]::new));
        assertEquals(0, b.exit(), b.out() + b.err());
        List<String> jobsA = jobs(a);
        List<String> jobsB = jobs(b);

        // the held task runs (its lock is taken) and sleeps: cancel it
        Path progressB = tmp.resolve("results/cancelled/progress.csv");
        Path lock = ProgressTable.stateDir(progressB).resolve(heldSubtask.stateFileName().replace(".json", ".lock"));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!Files.exists(lock)) {
            if (System.nanoTime() > end) {
                fail("the held task never started:\n" + slurm("squeue") + logs());
            }
            Thread.sleep(200);
        }
        Run during = quantLlm(Map.of(), grid("cancelled", "snap-shared"), "--status");
        assertTrue(during.out().lines().anyMatch(l -> l.contains(heldSubtask.label()) && l.contains("running: pid")
                && l.contains("Slurm job " + jobsB.get(0) + "_")), during.out());
        // resubmitting now submits nothing that is in flight
        Run early = quantLlm(Map.of(), grid("cancelled", "snap-shared"), "--slurm-dry-run");
        assertTrue(early.out().matches("(?s)cancelled: 3 subtasks, \\d done, \\d queued or running, 0 to submit\n"
                + "nothing to submit; see --status for the jobs in flight\n"), early.out());
        String heldTask = jobsB.get(0) + "_" + arrayIndex("cancelled", heldSubtask);
        slurm("scancel", heldTask);
        awaitEnd(List.of(jobsA.get(0), jobsA.get(1), jobsB.get(0), jobsB.get(1)));

        // the uninterrupted array: the local result
        assertEquals(expected, withoutTimings(newestResult("array")), logs());
        // the cancelled one: combined what was done, and says what is left
        assertEquals(2, ResultFiles.readRows(newestResult("cancelled")).size(), logs());
        assertEquals(ProgressTable.TODO, ProgressTable.read(progressB).get(heldSubtask.key()).status());
        Run status = quantLlm(Map.of(), grid("cancelled", "snap-shared"), "--status");
        assertTrue(status.out().lines().anyMatch(l -> l.contains(heldSubtask.label())
                && l.contains("to run (last Slurm job " + heldTask + " CANCELLED")), status.out());
        assertTrue(status.out().contains("3 subtasks: 2 done, 0 running, 0 queued, 1 to run"), status.out());

        // the same command again: only the cancelled subtask, and the result is the local one
        Run again = quantLlm(Map.of(), grid("cancelled", "snap-shared"), options.toArray(String[]::new));
        assertEquals(0, again.exit(), again.out() + again.err());
        assertTrue(again.out().contains("cancelled: 3 subtasks, 2 done, 0 queued or running, 1 to submit"), again.out());
        List<String> jobsC = jobs(again);
        awaitEnd(jobsC);
        assertEquals(expected, withoutTimings(newestResult("cancelled")), logs());
        assertEquals(2, Submissions.list(tmp.resolve("results/cancelled")).size());

        // each shared snapshot was written by one task only: one nonzero quant_duration per quantized config
        int qd = ResultRow.COLUMNS.indexOf("quant_duration");
        for (String algo : List.of("hqq", "rtn")) {
            long writers = Stream.of("array", "cancelled").flatMap(e -> ResultFiles.readRows(newestResult(e)).stream())
                    .filter(r -> r.get(1).equals(algo)).filter(r -> Double.parseDouble(r.get(qd)) > 0).count();
            assertEquals(1, writers, algo + " snapshot written " + writers + " times");
        }
        try (Stream<Path> files = Files.walk(tmp.resolve("snap-shared"))) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().endsWith(".lock")).toList());
        }
    }

    private int arrayIndex(String experiment, Subtask s) {
        List<Submissions.Submission> subs = Submissions.list(tmp.resolve("results").resolve(experiment));
        String job = subs.get(subs.size() - 1).taskJob(s.stateFileName()).orElseThrow();
        return Integer.parseInt(job.substring(job.indexOf('_') + 1));
    }

    @Test
    void anUnknownPartitionAndARefusedSubmissionAreOneLineErrors() throws Exception {
        fixtures();
        Run unknown = quantLlm(Map.of(), grid("errors", "snap"), "--slurm", "--partition", "no-such-partition");
        assertEquals(2, unknown.exit(), unknown.out() + unknown.err());
        assertEquals("quant-llm: error: partition 'no-such-partition' does not exist (partitions: "
                + String.join(", ", Slurm.fromEnvironment().partitions()) + ")\n", unknown.err());
        Run refused = quantLlm(Map.of(), grid("errors", "snap"), "--slurm", "--mem", "100000000G");
        assertEquals(2, refused.exit(), refused.out() + refused.err());
        assertTrue(refused.err().startsWith("quant-llm: error: sbatch refused array.sbatch: "), refused.err());
        assertTrue(refused.err().contains("Batch job submission failed"), refused.err());
        assertEquals(1, refused.err().lines().count(), refused.err());
        assertFalse(Files.exists(tmp.resolve("results/errors/slurm")) && tmp.resolve("results/errors/slurm").toFile()
                .list().length > 0, "no submission left behind");
    }
}
