package org.lmqt.slurm;

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
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.UserException;
import org.lmqt.harness.Algo;
import org.lmqt.harness.Harness;
import org.lmqt.harness.ModelRef;
import org.lmqt.harness.Plan;
import org.lmqt.harness.ProgressTable;
import org.lmqt.harness.Subtask;
import org.lmqt.harness.Task;

/** The job scripts and the subtask list, without a cluster (dry runs), and the arguments passed on. */
class JobArrayTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private static Plan plan() {
        return Plan.of(List.of(ModelRef.parse("org/model-x")), List.of(Algo.FP16, Algo.HQQ, Algo.RTN),
                List.of("b4g64", "b3g64"), Task.EVAL_PPL);
    }

    private JobArray array(Plan plan, JobArray.Resources r, Map<String, String> env) {
        return new JobArray(new Harness.Settings(tmp.resolve("results"), "exp", false, false), plan,
                List.of("/opt/jdk/bin/java", "-Xmx2g", "-cp", "/a b/x.jar", "quant_llm", "--model", "it's"), r,
                tmp, env);
    }

    @Test
    void theArrayScriptCarriesTheOptionsTheEnvironmentAndOnlyThePendingSubtasks() {
        Plan plan = plan();
        Path progress = tmp.resolve("results/exp/progress.csv");
        Subtask done = plan.runOrder().get(1);
        ProgressTable.load(progress, plan).markDone(done, LocalDateTime.of(2026, 1, 2, 3, 4, 5));
        JobArray.Resources r = new JobArray.Resources(Optional.of("gpu"), Optional.of("lab"), Optional.of("gpu:1"),
                OptionalInt.of(4), Optional.of("16G"), Optional.of("2:00:00"), OptionalInt.of(2),
                List.of("--qos=long", "--constraint=a100"));
        int code = array(plan, r, Map.of("LMQT_DEVICE", "cuda", "PATH", "/bin")).submit(new Slurm("/nonexistent"),
                true, log, LocalDateTime.of(2026, 12, 1, 10, 0, 0));
        assertEquals(0, code);
        String out = bytes.toString(StandardCharsets.UTF_8);
        int n = plan.subtasks().size();
        assertTrue(out.startsWith("exp: " + n + " subtasks, 1 done, 0 queued or running, " + (n - 1) + " to submit"), out);
        Path dir = tmp.resolve("results/exp/slurm/20261201-100000");
        for (String line : List.of("#SBATCH --array=0-" + (n - 2) + "%2", "#SBATCH --partition=gpu",
                "#SBATCH --account=lab", "#SBATCH --gres=gpu:1", "#SBATCH --cpus-per-task=4", "#SBATCH --mem=16G",
                "#SBATCH --time=2:00:00", "#SBATCH --qos=long", "#SBATCH --constraint=a100",
                "#SBATCH --output=" + dir.resolve("logs/task-%A_%a.out"), "#SBATCH --chdir=" + tmp,
                "export LMQT_DEVICE=cuda", "export LMQT_THREADS=4", "export OPT_OUT_TRACKING=true",
                "exec /opt/jdk/bin/java -Xmx2g -cp '/a b/x.jar' quant_llm --model 'it'\\''s' --subtask \"$SUBTASK\"",
                "exec /opt/jdk/bin/java -Xmx2g -cp '/a b/x.jar' quant_llm --model 'it'\\''s' --combine")) {
            assertTrue(out.lines().anyMatch(line::equals), "missing line " + line + " in\n" + out);
        }
        assertFalse(out.contains("PATH="), "only lmqt's variables are written");
        // the combining job gets no GPU and no memory request
        String combine = out.substring(out.indexOf("combine.sbatch"));
        assertFalse(combine.substring(0, combine.indexOf("subtasks.tsv")).contains("--gres"), combine);
        // the list: the pending subtasks in run order, with their index in the plan's grid
        List<String> rows = out.substring(out.indexOf("array_index\t")).lines().skip(1).toList();
        List<Subtask> pending = plan.runOrder().stream().filter(s -> !s.equals(done)).toList();
        assertEquals(pending.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            String[] f = rows.get(i).split("\t");
            assertEquals(i, Integer.parseInt(f[0]));
            assertEquals(pending.get(i), plan.subtasks().get(Integer.parseInt(f[1])));
            assertEquals(pending.get(i).stateFileName(), f[2]);
            assertEquals(pending.get(i).label(), f[3]);
        }
        assertFalse(Files.exists(dir), "a dry run writes nothing");
    }

    @Test
    void withoutSbatchOnThePathTheErrorIsOneLine() {
        UserException e = assertThrows(UserException.class, () -> array(plan(), JobArray.Resources.DEFAULT, Map.of())
                .submit(new Slurm(tmp.toString()), false, log, LocalDateTime.now()));
        assertEquals("sbatch not found on the PATH: --slurm needs the Slurm client commands (or use "
                + "--slurm-dry-run to see the job scripts)", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("results/exp/slurm")));
    }

    @Test
    void theSubmittedJobsGetTheArgumentsWithoutTheSubmissionOptions() {
        assertEquals(List.of("--model", "m", "--algo", "hqq", "--task", "eval_ppl", "--max-tokens", "64"),
                SlurmOptions.forwarded(List.of("--model", "m", "--slurm", "--algo", "hqq", "--partition", "gpu",
                        "--sbatch-arg=--qos=x", "--task", "eval_ppl", "--max-parallel=3", "--sbatch-arg", "--x=1",
                        "--max-tokens", "64", "--slurm-dry-run", "--mem", "4G", "--gres=gpu:1", "--time", "1:00",
                        "--account", "a", "--cpus-per-task", "2")));
        assertThrows(IllegalArgumentException.class, () -> new JobArray.Resources(Optional.empty(), Optional.empty(),
                Optional.empty(), OptionalInt.empty(), Optional.empty(), Optional.empty(), OptionalInt.of(0), List.of()));
    }

    @Test
    void statusWithoutAClusterShowsDoneFailedRunningAndToRun() {
        Plan plan = plan();
        Path progress = tmp.resolve("results/exp/progress.csv");
        List<Subtask> order = plan.runOrder();
        ProgressTable table = ProgressTable.load(progress, plan);
        table.markDone(order.get(0), LocalDateTime.of(2026, 1, 2, 3, 4, 5));
        table.markFailed(order.get(1), LocalDateTime.of(2026, 1, 2, 3, 4, 6), "out of memory");
        Path lock = ProgressTable.stateDir(progress).resolve(order.get(2).stateFileName().replace(".json", ".lock"));
        try (var held = org.lmqt.harness.LockFile.tryAcquire(lock).orElseThrow()) {
            ArrayStatus.print(tmp.resolve("results/exp"), "exp", plan, new Slurm("/nonexistent"), log);
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(lines.get(1).matches("  " + java.util.regex.Pattern.quote(order.get(0).label())
                + " +done 2026-01-02 03:04:05"), lines.get(1));
        assertTrue(lines.get(2).endsWith("to run (failed before: out of memory)"), lines.get(2));
        assertTrue(lines.get(3).endsWith("running: pid " + ProcessHandle.current().pid() + " on "
                + org.lmqt.harness.LockFile.Holder.current().host()), lines.get(3));
        assertTrue(lines.get(4).endsWith(" to run"), lines.get(4));
        assertEquals(plan.subtasks().size() + " subtasks: 1 done, 1 running, 0 queued, " + (plan.subtasks().size() - 2)
                + " to run (1 of them failed before)", lines.get(plan.subtasks().size() + 1));
    }
}
