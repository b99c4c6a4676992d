package org.lmqt.slurm;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.lmqt.harness.Harness;
import org.lmqt.harness.LockFile;
import org.lmqt.harness.Plan;
import org.lmqt.harness.ProgressTable;
import org.lmqt.harness.Subtask;
import org.lmqt.io.AtomicFiles;

/**
 * A plan submitted to Slurm: one array task per pending subtask, each running {@code <command> --subtask K} of the
 * same plan on the shared experiment folder, and a job that depends on the array ({@code afterany}) and runs
 * {@code <command> --combine}. Pending are the subtasks not done, not held by a live process, and not queued or
 * running in an earlier submission, so submitting the same command again submits only what is left. The scripts
 * and the list that maps array indices to subtasks go to {@code <experiment>/slurm/<stamp>/}, with the jobs' logs
 * under {@code logs/}.
 */
public final class JobArray {

    /**
     * The sbatch settings.
     *
     * @param partition   {@code --partition}
     * @param account     {@code --account}
     * @param gres        {@code --gres} of the array tasks
     * @param cpusPerTask {@code --cpus-per-task} of the array tasks (and their {@code LMQT_THREADS})
     * @param mem         {@code --mem} of the array tasks
     * @param time        {@code --time} of both jobs
     * @param maxParallel the {@code %N} throttle of {@code --array}
     * @param extra       other sbatch options, for both jobs
     */
    public record Resources(Optional<String> partition, Optional<String> account, Optional<String> gres,
                            OptionalInt cpusPerTask, Optional<String> mem, Optional<String> time,
                            OptionalInt maxParallel, List<String> extra) {
        public Resources {
            extra = List.copyOf(extra);
            if (cpusPerTask.isPresent() && cpusPerTask.getAsInt() < 1) {
                throw new IllegalArgumentException("--cpus-per-task must be at least 1");
            }
            if (maxParallel.isPresent() && maxParallel.getAsInt() < 1) {
                throw new IllegalArgumentException("--max-parallel must be at least 1");
            }
            for (String e : extra) {
                if (!e.startsWith("-")) {
                    throw new IllegalArgumentException("--sbatch-arg '" + e + "' is not an sbatch option");
                }
            }
        }

        /** No options: Slurm's defaults. */
        public static final Resources DEFAULT = new Resources(Optional.empty(), Optional.empty(), Optional.empty(),
                OptionalInt.empty(), Optional.empty(), Optional.empty(), OptionalInt.empty(), List.of());
    }

    /** The environment lmqt reads, passed to the jobs as it is at submission. */
    public static final List<String> ENVIRONMENT = List.of("LMQT_DEVICE", "LMQT_THREADS", "OPT_OUT_TRACKING");

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Harness.Settings settings;
    private final Plan plan;
    private final List<String> command;
    private final Resources resources;
    private final Path workDir;
    private final Map<String, String> environment;

    /**
     * @param command     the harness's command line without the submission options, run by every job with
     *                    {@code --subtask K} or {@code --combine} appended
     * @param workDir     the jobs' working folder (relative paths of {@code command} resolve against it)
     * @param environment the submitting process's environment (of which {@link #ENVIRONMENT} is passed on)
     */
    public JobArray(Harness.Settings settings, Plan plan, List<String> command, Resources resources, Path workDir,
                    Map<String, String> environment) {
        this.settings = settings;
        this.plan = plan;
        this.command = List.copyOf(command);
        this.resources = resources;
        this.workDir = workDir.toAbsolutePath().normalize();
        this.environment = Map.copyOf(environment);
    }

    /** The subtasks to submit, in the plan's run order, and why the others are left out. */
    public record Pending(List<Subtask> subtasks, int done, int inFlight) {}

    /** What is left to submit; {@code slurm} answers the state of an earlier submission's tasks. */
    public Pending pending(Slurm slurm) {
        Path dir = settings.experimentDir().toAbsolutePath();
        Path progressFile = dir.resolve("progress.csv");
        ProgressTable progress = ProgressTable.load(progressFile, plan);
        List<Submissions.Submission> earlier = Submissions.list(dir);
        Map<String, Map<String, String>> states = new LinkedHashMap<>();
        List<Subtask> todo = new ArrayList<>();
        int done = 0;
        int inFlight = 0;
        for (Subtask s : plan.runOrder()) {
            if (progress.isDone(s)) {
                done++;
                continue;
            }
            Path lock = ProgressTable.stateDir(progressFile).resolve(s.stateFileName().replace(".json", ".lock"));
            boolean running = LockFile.holder(lock).map(LockFile.Holder::isAlive).orElse(false);
            Optional<Submissions.Submission> last = Submissions.latestFor(earlier, s.stateFileName());
            boolean queued = last.isPresent() && slurm.available() && Slurm.inFlight(states
                    .computeIfAbsent(last.get().arrayJob(), slurm::jobStates)
                    .getOrDefault(last.get().taskJob(s.stateFileName()).orElseThrow(), ""));
            if (running || queued) {
                inFlight++;
            } else {
                todo.add(s);
            }
        }
        return new Pending(todo, done, inFlight);
    }

    /** The folder a submission now would use. */
    Path submissionDir(LocalDateTime now) {
        Path root = settings.experimentDir().toAbsolutePath().resolve(Submissions.DIR);
        Path dir = root.resolve(STAMP.format(now));
        for (int n = 2; Files.exists(dir); n++) {
            dir = root.resolve(STAMP.format(now) + "-" + n);
        }
        return dir;
    }

    /** The array tasks of {@code pending}: array index i runs the subtask at the given index of the plan's grid. */
    List<Submissions.Task> tasks(List<Subtask> pending) {
        List<Submissions.Task> tasks = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            Subtask s = pending.get(i);
            tasks.add(new Submissions.Task(i, plan.subtasks().indexOf(s), s.stateFileName(), s.label()));
        }
        return tasks;
    }

    /** The array job's script for {@code count} tasks, in the submission folder {@code dir}. */
    String arrayScript(Path dir, int count) {
        String name = "lmqt-" + settings.experiment();
        List<String> sbatch = new ArrayList<>(List.of("--job-name=" + name,
                "--array=0-" + (count - 1) + resources.maxParallel().stream().mapToObj(n -> "%" + n)
                        .findFirst().orElse(""),
                "--output=" + dir.resolve("logs").resolve("task-%A_%a.out"), "--chdir=" + workDir));
        common(sbatch);
        resources.gres().ifPresent(g -> sbatch.add("--gres=" + g));
        resources.cpusPerTask().ifPresent(c -> sbatch.add("--cpus-per-task=" + c));
        resources.mem().ifPresent(m -> sbatch.add("--mem=" + m));
        sbatch.addAll(resources.extra());
        StringBuilder sb = header(sbatch, "one array task per pending subtask of experiment " + settings.experiment()
                + ": task i runs the subtask on the line of array index i in " + Submissions.SUBTASKS);
        sb.append("SUBTASK=\"$(awk -F '\\t' -v i=\"$SLURM_ARRAY_TASK_ID\" '$1 == i { print $2 }' ")
                .append(quote(dir.resolve(Submissions.SUBTASKS).toString())).append(")\"\n");
        sb.append("if [ -z \"$SUBTASK\" ]; then echo \"array index $SLURM_ARRAY_TASK_ID is not in ")
                .append(Submissions.SUBTASKS).append("\" >&2; exit 2; fi\n");
        sb.append("exec ").append(commandLine()).append(" --subtask \"$SUBTASK\"\n");
        return sb.toString();
    }

    /** The combining job's script, in the submission folder {@code dir}. */
    String combineScript(Path dir) {
        List<String> sbatch = new ArrayList<>(List.of("--job-name=lmqt-" + settings.experiment() + "-combine",
                "--output=" + dir.resolve("logs").resolve("combine-%j.out"), "--chdir=" + workDir,
                "--cpus-per-task=1"));
        common(sbatch);
        sbatch.addAll(resources.extra());
        StringBuilder sb = header(sbatch, "combines the partial results of experiment " + settings.experiment()
                + " into result-" + settings.experiment() + "-<stamp>.csv once the array has ended (afterany)");
        sb.append("exec ").append(commandLine()).append(" --combine\n");
        return sb.toString();
    }

    private void common(List<String> sbatch) {
        resources.partition().ifPresent(p -> sbatch.add("--partition=" + p));
        resources.account().ifPresent(a -> sbatch.add("--account=" + a));
        resources.time().ifPresent(t -> sbatch.add("--time=" + t));
    }

    private StringBuilder header(List<String> sbatch, String comment) {
        StringBuilder sb = new StringBuilder("#!/bin/bash\n");
        sbatch.forEach(o -> sb.append("#SBATCH ").append(o).append('\n'));
        sb.append("# written by lmqt quant-llm --slurm: ").append(comment).append('\n');
        sb.append("set -euo pipefail\n");
        for (String v : ENVIRONMENT) {
            String value = environment.get(v);
            if (v.equals("OPT_OUT_TRACKING")) {
                value = "true";   // DJL never reports usage
            } else if (v.equals("LMQT_THREADS") && value == null && resources.cpusPerTask().isPresent()) {
                value = Integer.toString(resources.cpusPerTask().getAsInt());
            }
            if (value != null) {
                sb.append("export ").append(v).append('=').append(quote(value)).append('\n');
            }
        }
        return sb;
    }

    private String commandLine() {
        return String.join(" ", command.stream().map(JobArray::quote).toList());
    }

    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@code s} as one word of a bash command line. */
    static String quote(String s) {
        return s.matches("[A-Za-z0-9_./=:,+%@-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * Submits what is pending (or, for {@code dryRun}, prints the scripts and submits nothing); a one-line
     * {@code UserException} for a missing sbatch, an unknown partition or a refused submission. Returns the exit code.
     */
    public int submit(Slurm slurm, boolean dryRun, PrintStream log, LocalDateTime now) {
        if (!dryRun) {
            slurm.find("sbatch").orElseThrow(() -> new org.lmqt.cli.UserException("sbatch not found on the PATH: "
                    + "--slurm needs the Slurm client commands (or use --slurm-dry-run to see the job scripts)"));
            resources.partition().ifPresent(slurm::requirePartition);
        }
        Pending p = pending(slurm);
        log.printf("%s: %d subtasks, %d done, %d queued or running, %d to submit%n", settings.experiment(),
                plan.subtasks().size(), p.done(), p.inFlight(), p.subtasks().size());
        if (p.subtasks().isEmpty()) {
            boolean noResult = org.lmqt.harness.ResultFiles.results(settings.experimentDir(), settings.experiment())
                    .isEmpty();
            log.println("nothing to submit" + (p.inFlight() > 0 ? "; see --status for the jobs in flight"
                    : noResult ? "; every subtask is done: run the same command with --combine instead of --slurm "
                    + "to write the result file" : ""));
            return 0;
        }
        Path dir = submissionDir(now);
        List<Submissions.Task> tasks = tasks(p.subtasks());
        String array = arrayScript(dir, tasks.size());
        String combine = combineScript(dir);
        String list = Submissions.subtasksTsv(tasks);
        if (dryRun) {
            log.println("# " + dir.resolve("array.sbatch"));
            log.print(array);
            log.println("# " + dir.resolve("combine.sbatch") + " (submitted with --dependency=afterany:<array job>)");
            log.print(combine);
            log.println("# " + dir.resolve(Submissions.SUBTASKS));
            log.print(list);
            return 0;
        }
        try {
            Files.createDirectories(dir.resolve("logs"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        AtomicFiles.writeString(dir.resolve(Submissions.SUBTASKS), list);
        AtomicFiles.writeString(dir.resolve("array.sbatch"), array);
        AtomicFiles.writeString(dir.resolve("combine.sbatch"), combine);
        String arrayJob;
        try {
            arrayJob = slurm.submit(dir.resolve("array.sbatch"), List.of());
        } catch (RuntimeException refused) {
            deleteTree(dir);   // nothing was submitted: leave no submission behind
            throw refused;
        }
        AtomicFiles.writeString(dir.resolve(Submissions.JOBS), "array_job\t" + arrayJob + "\n");
        String combineJob;
        try {
            combineJob = slurm.submit(dir.resolve("combine.sbatch"),
                    List.of("--dependency=afterany:" + arrayJob, "--kill-on-invalid-dep=yes"));
        } catch (org.lmqt.cli.UserException refused) {
            throw new org.lmqt.cli.UserException("array job " + arrayJob + " was submitted, but " + refused.getMessage()
                    + "; when the array has ended, run the same command with --combine instead of --slurm");
        }
        AtomicFiles.writeString(dir.resolve(Submissions.JOBS), "array_job\t" + arrayJob + "\ncombine_job\t"
                + combineJob + "\n");
        log.printf("submitted array job %s (%d tasks%s) and combine job %s (afterany:%s)%n", arrayJob, tasks.size(),
                resources.maxParallel().stream().mapToObj(n -> ", at most " + n + " at once").findFirst().orElse(""),
                combineJob, arrayJob);
        log.println("scripts, subtask list and logs: " + dir);
        return 0;
    }
}
