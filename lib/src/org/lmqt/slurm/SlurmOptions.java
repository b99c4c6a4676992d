package org.lmqt.slurm;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import picocli.CommandLine.Option;

/**
 * The harness's cluster flags (a picocli mixin): submit the pending subtasks as a Slurm job array, the sbatch
 * options passed through, the status view, and the two modes the submitted jobs run in ({@code --subtask K},
 * {@code --combine}).
 */
public final class SlurmOptions {
    @Option(names = "--slurm", description = "Do not run the plan here: submit one Slurm array task per pending "
            + "subtask and a dependent job that combines the results.")
    boolean submit;

    @Option(names = "--slurm-dry-run", description = "Print the sbatch scripts --slurm would submit; submit nothing.")
    boolean dryRun;

    @Option(names = "--status", description = "Print the plan with each subtask's state, with the Slurm job id and "
            + "state of those submitted.")
    boolean status;

    @Option(names = "--partition", paramLabel = "NAME", description = "sbatch --partition.")
    String partition;

    @Option(names = "--account", paramLabel = "NAME", description = "sbatch --account.")
    String account;

    @Option(names = "--gres", paramLabel = "SPEC", description = "sbatch --gres of every array task (e.g. gpu:1).")
    String gres;

    @Option(names = "--cpus-per-task", paramLabel = "N", description = "sbatch --cpus-per-task of every array task; "
            + "also LMQT_THREADS there unless set.")
    Integer cpusPerTask;

    @Option(names = "--mem", paramLabel = "SIZE", description = "sbatch --mem of every array task (e.g. 16G).")
    String mem;

    @Option(names = "--time", paramLabel = "LIMIT", description = "sbatch --time of every array task and of the "
            + "combining job (e.g. 2:00:00).")
    String time;

    @Option(names = "--max-parallel", paramLabel = "N", description = "At most N array tasks at once (the %%N of "
            + "--array).")
    Integer maxParallel;

    @Option(names = "--sbatch-arg", paramLabel = "ARG", description = "Any other sbatch option, for both jobs; "
            + "repeatable; write it with '=': --sbatch-arg=--qos=long.")
    List<String> sbatchArgs = List.of();

    @Option(names = "--subtask", paramLabel = "K", description = "Run only subtask K of the plan (grid order), as "
            + "a submitted array task does; no combination.")
    Integer subtask;

    @Option(names = "--combine", description = "Only combine the finished subtasks' partial files into the result "
            + "file, as the submitted dependent job does.")
    boolean combine;

    /** Options of the harness's own that are not passed on to the submitted jobs: flags, then those with a value. */
    static final List<String> FLAGS = List.of("--slurm", "--slurm-dry-run", "--status", "--combine");
    static final List<String> WITH_VALUE = List.of("--partition", "--account", "--gres", "--cpus-per-task", "--mem",
            "--time", "--max-parallel", "--sbatch-arg", "--subtask");

    /** Whether to submit (or, with {@code --slurm-dry-run}, print) a job array. */
    public boolean submits() {
        return submit || dryRun;
    }

    public boolean dryRun() {
        return dryRun;
    }

    public boolean status() {
        return status;
    }

    public boolean combine() {
        return combine;
    }

    public OptionalInt subtask() {
        return subtask == null ? OptionalInt.empty() : OptionalInt.of(subtask);
    }

    public Optional<String> partition() {
        return Optional.ofNullable(partition);
    }

    /** The sbatch settings of these options. */
    public JobArray.Resources resources() {
        return new JobArray.Resources(Optional.ofNullable(partition), Optional.ofNullable(account),
                Optional.ofNullable(gres), cpusPerTask == null ? OptionalInt.empty() : OptionalInt.of(cpusPerTask),
                Optional.ofNullable(mem), Optional.ofNullable(time),
                maxParallel == null ? OptionalInt.empty() : OptionalInt.of(maxParallel), sbatchArgs);
    }

    /** {@code args} without the options that only this process acts on (what the submitted jobs get). */
    public static List<String> forwarded(List<String> args) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (FLAGS.contains(a)) {
                continue;
            }
            if (WITH_VALUE.contains(name)) {
                if (!a.contains("=")) {
                    i++;   // the value is the next argument
                }
                continue;
            }
            out.add(a);
        }
        return out;
    }
}
