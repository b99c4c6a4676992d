package org.lmqt.harness;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.lmqt.cli.Cli;

/**
 * The experiment loop of the original's {@code cli.py llm} (spec §2.4, §4.14), crash-safe: under
 * {@code <result dir>/<experiment>/} it takes the experiment lock, skips subtasks that {@code progress.csv} records
 * as done, runs the others in the original's order, writes each one's partial file and then marks it done, and
 * finally concatenates all partial files into {@code result-<experiment>-<stamp>.csv}. A killed run resumes where
 * it stopped when started again with the same arguments.
 * <p>
 * Differences from the original: a failing subtask is recorded (status -1 and its message) and the grid goes on
 * unless {@code failFast}; the results are combined also when nothing was left to do but no result file exists yet
 * (a run killed between its last subtask and the combination).
 */
public final class Harness {

    /**
     * Where and how to run.
     *
     * @param resultDir  root of all experiments
     * @param experiment name of the experiment folder
     * @param failFast   stop at the first failure (the original's behaviour)
     * @param dryRun     only print the plan
     */
    public record Settings(Path resultDir, String experiment, boolean failFast, boolean dryRun) {
        public Settings {
            if (experiment.isBlank() || experiment.contains("/") || experiment.contains("\\")) {
                throw new IllegalArgumentException("experiment name must be a non-empty folder name: '"
                        + experiment + "'");
            }
        }

        /** {@code <result dir>/<experiment>}. */
        public Path experimentDir() {
            return resultDir.resolve(experiment);
        }
    }

    /** A failed subtask and its message. */
    public record Failure(Subtask subtask, String message) {}

    /**
     * What a run did.
     *
     * @param planned   subtasks in the plan
     * @param skipped   subtasks done before this run
     * @param ran       subtasks this run finished
     * @param failures  subtasks this run saw fail
     * @param notRun    subtasks left over by {@code --fail-fast} (or, for a dry run, the to-dos)
     * @param result    the combined result file, when one was written
     */
    public record Outcome(int planned, int skipped, int ran, List<Failure> failures, int notRun,
                          Optional<Path> result) {
        /** 0 when every subtask of the plan is done, 1 otherwise. */
        public int exitCode() {
            return failures.isEmpty() && notRun == 0 ? 0 : 1;
        }
    }

    private final Settings settings;
    private final SubtaskRunner runner;
    private final PrintStream log;
    private final Supplier<LocalDateTime> clock;

    /** A harness printing to {@code log} with the system clock. */
    public Harness(Settings settings, SubtaskRunner runner, PrintStream log) {
        this(settings, runner, log, LocalDateTime::now);
    }

    Harness(Settings settings, SubtaskRunner runner, PrintStream log, Supplier<LocalDateTime> clock) {
        this.settings = settings;
        this.runner = runner;
        this.log = log;
        this.clock = clock;
    }

    /** Runs (or, with {@code dryRun}, describes) {@code plan}. */
    public Outcome run(Plan plan) {
        Path dir = settings.experimentDir();
        if (settings.dryRun()) {
            return describe(plan, ProgressTable.load(dir.resolve("progress.csv"), plan));
        }
        try (ExperimentLock lock = ExperimentLock.acquire(dir)) {
            ProgressTable progress = ProgressTable.load(dir.resolve("progress.csv"), plan);
            progress.write();
            return execute(plan, progress);
        }
    }

    private Outcome execute(Plan plan, ProgressTable progress) {
        Path dir = settings.experimentDir();
        List<Subtask> todo = plan.runOrder().stream().filter(s -> !progress.isDone(s)).toList();
        int skipped = plan.subtasks().size() - todo.size();
        log.printf("%s: %d subtasks, %d done before, %d to run%n", settings.experiment(), plan.subtasks().size(),
                skipped, todo.size());
        List<Failure> failures = new ArrayList<>();
        long start = System.nanoTime();
        int ran = 0;
        int attempted = 0;
        for (Subtask s : todo) {
            long t0 = System.nanoTime();
            String status;
            try {
                ResultRow row = runner.run(s);
                ResultFiles.writePartial(dir, s, row);
                progress.markDone(s, clock.get());
                ran++;
                status = "done";
            } catch (Exception | OutOfMemoryError e) {
                String message = Cli.oneLine(e);
                progress.markFailed(s, clock.get(), message);
                failures.add(new Failure(s, message));
                status = "FAILED (" + message + ")";
            }
            attempted++;
            log.println(progressLine(attempted, todo.size(), s, status, t0, start));
            if (settings.failFast() && !failures.isEmpty()) {
                break;
            }
        }
        int notRun = todo.size() - attempted;
        Optional<Path> result = Optional.empty();
        boolean stopped = settings.failFast() && !failures.isEmpty();
        if (!stopped && (ran > 0 || ResultFiles.results(dir, settings.experiment()).isEmpty())) {
            result = ResultFiles.combine(dir, settings.experiment(), clock.get());
        }
        result.ifPresent(r -> log.println("wrote " + r));
        if (!failures.isEmpty()) {
            log.printf("%d of %d subtasks failed%s; their errors are in %s; rerun the same command to retry them%n",
                    failures.size(), todo.size(), stopped ? " (stopped by --fail-fast, " + notRun + " not run)" : "",
                    dir.resolve("progress.csv"));
        }
        return new Outcome(plan.subtasks().size(), skipped, ran, List.copyOf(failures), notRun, result);
    }

    /**
     * Runs only the subtask at {@code index} of the plan's grid order (one Slurm array task): under the shared
     * experiment lock and the subtask's own {@link LockFile} {@code state/<state file>.lock}, it writes the partial
     * file and the state file and re-derives {@code progress.csv}; it does not combine. Exit code 0 when the subtask
     * is done (now, before, or by another live process that holds its lock), 1 when it failed.
     */
    public Outcome runOne(Plan plan, int index) {
        if (index < 0 || index >= plan.subtasks().size()) {
            throw new IllegalArgumentException("--subtask " + index + " is not in the plan (0 to "
                    + (plan.subtasks().size() - 1) + ")");
        }
        Subtask s = plan.subtasks().get(index);
        Path dir = settings.experimentDir();
        Path progressFile = dir.resolve("progress.csv");
        try (ExperimentLock shared = ExperimentLock.acquireShared(dir)) {
            Path lockFile = ProgressTable.stateDir(progressFile).resolve(s.stateFileName().replace(".json", ".lock"));
            var lock = LockFile.tryAcquire(lockFile);
            if (lock.isEmpty()) {
                log.println(s.label() + ": being run by " + LockFile.holder(lockFile).map(LockFile.Holder::describe)
                        .orElse("another process") + "; nothing to do here");
                return new Outcome(1, 1, 0, List.of(), 0, Optional.empty());
            }
            try (LockFile held = lock.get()) {
                ProgressTable progress = ProgressTable.load(progressFile, plan);
                if (progress.isDone(s)) {
                    log.println(s.label() + ": done before (" + progress.entry(s).completionTime() + ")");
                    return new Outcome(1, 1, 0, List.of(), 0, Optional.empty());
                }
                testHold(index);
                long t0 = System.nanoTime();
                try {
                    ResultRow row = runner.run(s);
                    ResultFiles.writePartial(dir, s, row);
                    progress.markDone(s, clock.get());
                    log.println(progressLine(1, 1, s, "done", t0, t0));
                    return new Outcome(1, 0, 1, List.of(), 0, Optional.empty());
                } catch (Exception | OutOfMemoryError e) {
                    String message = Cli.oneLine(e);
                    progress.markFailed(s, clock.get(), message);
                    log.println(progressLine(1, 1, s, "FAILED (" + message + ")", t0, t0));
                    return new Outcome(1, 0, 0, List.of(new Failure(s, message)), 0, Optional.empty());
                }
            }
        }
    }

    /** Test hook: {@code LMQT_TEST_HOLD_SUBTASK=<index>:<seconds>} makes that subtask sleep before it runs. */
    private void testHold(int index) {
        String hold = System.getenv("LMQT_TEST_HOLD_SUBTASK");
        if (hold != null && hold.startsWith(index + ":")) {
            log.println("test hook: holding subtask " + index + " for " + hold.substring(hold.indexOf(':') + 1) + " s");
            log.flush();
            try {
                Thread.sleep((long) (Double.parseDouble(hold.substring(hold.indexOf(':') + 1)) * 1000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Combines the partial files into {@code result-<experiment>-<stamp>.csv} after re-deriving
     * {@code progress.csv} from the state files (the job that depends on a Slurm array). Exit code 0 when every
     * subtask of the plan is done, 1 otherwise (the message says how to submit the rest).
     */
    public Outcome combine(Plan plan) {
        Path dir = settings.experimentDir();
        try (ExperimentLock shared = ExperimentLock.acquireShared(dir)) {
            ProgressTable progress = ProgressTable.load(dir.resolve("progress.csv"), plan);
            progress.write();
            List<Subtask> failed = plan.subtasks().stream().filter(s -> progress.failure(s).isPresent()).toList();
            int done = (int) plan.subtasks().stream().filter(progress::isDone).count();
            int notDone = plan.subtasks().size() - done;
            log.printf("%s: %d subtasks, %d done, %d failed, %d not run%n", settings.experiment(),
                    plan.subtasks().size(), done, failed.size(), notDone - failed.size());
            for (Subtask s : failed) {
                log.println("  FAILED " + s.label() + ": " + progress.failure(s).orElse(""));
            }
            Optional<Path> result = ResultFiles.combine(dir, settings.experiment(), clock.get());
            result.ifPresent(r -> log.println("wrote " + r));
            if (notDone > 0) {
                log.println("run the same command again (with --slurm) to submit the " + notDone
                        + " subtasks not done");
            }
            List<Failure> failures = failed.stream().map(s -> new Failure(s, progress.failure(s).orElse(""))).toList();
            return new Outcome(plan.subtasks().size(), done, 0, failures, notDone - failed.size(), result);
        }
    }

    private static String progressLine(int attempted, int total, Subtask s, String status, long t0, long start) {
        long now = System.nanoTime();
        double elapsed = (now - start) / 1e9;
        double left = elapsed / attempted * (total - attempted);
        return String.format(java.util.Locale.ROOT, "[%d/%d] %s: %s in %.1f s; elapsed %s, about %s left",
                attempted, total, s.label(), status, (now - t0) / 1e9, clock(elapsed), clock(left));
    }

    private static String clock(double seconds) {
        Duration d = Duration.ofMillis((long) (seconds * 1000));
        return d.toHours() > 0 ? String.format("%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
                : String.format("%d:%02d", d.toMinutes(), d.toSecondsPart());
    }

    private Outcome describe(Plan plan, ProgressTable progress) {
        log.printf("plan of %s (%s), in run order:%n", settings.experiment(), settings.experimentDir());
        int done = 0;
        for (Subtask s : plan.runOrder()) {
            ProgressTable.Entry e = progress.entry(s);
            String state = switch (e.status()) {
                case ProgressTable.DONE -> "done " + e.completionTime();
                case ProgressTable.FAILED -> "to run (failed before: " + e.error() + ")";
                default -> "to run";
            };
            done += e.status() == ProgressTable.DONE ? 1 : 0;
            String note = runner.note(s);
            log.printf("  %-60s %s%s%n", s.label(), state, note.isEmpty() ? "" : "; " + note);
        }
        int todo = plan.subtasks().size() - done;
        log.printf("%d subtasks: %d done, %d to run%n", plan.subtasks().size(), done, todo);
        return new Outcome(plan.subtasks().size(), done, 0, List.of(), todo, Optional.empty());
    }
}
