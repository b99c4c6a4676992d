package org.lmqt.slurm;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lmqt.harness.LockFile;
import org.lmqt.harness.Plan;
import org.lmqt.harness.ProgressTable;
import org.lmqt.harness.ResultFiles;
import org.lmqt.harness.Subtask;

/**
 * {@code quant-llm --status}: the plan in run order with each subtask's state from its state file, the process
 * that holds it when one runs it, and the Slurm job of its latest submission with the state {@code squeue} (or
 * {@code sacct}) reports; then a summary line, the combining jobs and the newest result file.
 */
public final class ArrayStatus {

    private ArrayStatus() {}

    /** Prints the status of {@code plan} in {@code experimentDir}. */
    public static void print(Path experimentDir, String experiment, Plan plan, Slurm slurm, PrintStream out) {
        Path dir = experimentDir.toAbsolutePath();
        Path progressFile = dir.resolve("progress.csv");
        ProgressTable progress = ProgressTable.load(progressFile, plan);
        Map<ProgressTable.Key, Map<String, String>> fields = ProgressTable.readStateFields(ProgressTable.stateDir(progressFile));
        List<Submissions.Submission> submissions = Submissions.list(dir);
        Map<String, Map<String, String>> states = new LinkedHashMap<>();
        java.util.function.Function<String, Map<String, String>> statesOf = job -> states.computeIfAbsent(job,
                j -> slurm.available() && !j.isEmpty() ? slurm.jobStates(j) : Map.of());
        out.printf("status of %s (%s), in run order:%n", experiment, dir);
        int done = 0;
        int running = 0;
        int queued = 0;
        int failed = 0;
        for (Subtask s : plan.runOrder()) {
            ProgressTable.Entry e = progress.entry(s);
            Optional<Submissions.Submission> sub = Submissions.latestFor(submissions, s.stateFileName());
            Optional<String> job = sub.flatMap(x -> x.taskJob(s.stateFileName()));
            String jobState = sub.map(x -> statesOf.apply(x.arrayJob()).getOrDefault(job.orElseThrow(), ""))
                    .orElse("");
            Path lock = ProgressTable.stateDir(progressFile).resolve(s.stateFileName().replace(".json", ".lock"));
            Optional<LockFile.Holder> holder = LockFile.holder(lock).filter(LockFile.Holder::isAlive);
            String state;
            if (e.status() == ProgressTable.DONE) {
                done++;
                String by = Optional.ofNullable(fields.get(s.key())).map(m -> m.getOrDefault("slurm_job", ""))
                        .filter(j -> !j.isEmpty()).map(j -> " (Slurm job " + j + ")").orElse("");
                state = "done " + e.completionTime() + by;
            } else if (holder.isPresent()) {
                running++;
                state = "running: " + holder.get().describe() + (jobState.isEmpty() ? "" : " " + jobState);
            } else if (Slurm.inFlight(jobState)) {
                queued++;
                state = "queued: Slurm job " + job.orElseThrow() + " " + jobState;
            } else {
                String last = job.map(j -> "last Slurm job " + j + (jobState.isEmpty() ? "" : " " + jobState))
                        .orElse("");
                if (e.status() == ProgressTable.FAILED) {
                    failed++;
                    state = "to run (failed before: " + e.error() + (last.isEmpty() ? "" : "; " + last) + ")";
                } else {
                    state = "to run" + (last.isEmpty() ? "" : " (" + last + ")");
                }
            }
            out.printf("  %-60s %s%n", s.label(), state);
        }
        int toRun = plan.subtasks().size() - done - running - queued;
        out.printf("%d subtasks: %d done, %d running, %d queued, %d to run (%d of them failed before)%n",
                plan.subtasks().size(), done, running, queued, toRun, failed);
        for (Submissions.Submission sub : submissions) {
            if (!sub.combineJob().isEmpty()) {
                String st = statesOf.apply(sub.combineJob()).getOrDefault(sub.combineJob(), "");
                if (Slurm.inFlight(st)) {
                    out.println("combine job " + sub.combineJob() + " " + st + " (after array job " + sub.arrayJob()
                            + ")");
                }
            }
        }
        List<Path> results = ResultFiles.results(dir, experiment);
        if (!results.isEmpty()) {
            out.println("newest result: " + results.get(results.size() - 1));
        }
    }
}
