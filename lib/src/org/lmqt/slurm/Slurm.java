package org.lmqt.slurm;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.lmqt.cli.UserException;

/**
 * The Slurm client commands ({@code sbatch}, {@code sinfo}, {@code squeue}, {@code sacct}, {@code scontrol}) as
 * found on a {@code PATH}; every failure the user can act on is a one-line {@link UserException}.
 */
public final class Slurm {
    private final String path;

    /** The commands on {@code path} (a {@code PATH}-style list of folders). */
    public Slurm(String path) {
        this.path = path == null ? "" : path;
    }

    /** The commands on this process's {@code PATH}. */
    public static Slurm fromEnvironment() {
        return new Slurm(System.getenv("PATH"));
    }

    /** The executable {@code name} on the path, if there is one. */
    public Optional<Path> find(String name) {
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** Whether {@code sbatch} is on the path. */
    public boolean available() {
        return find("sbatch").isPresent();
    }

    /** What a command printed and its exit code. */
    record Result(int exit, String out, String err) {
        /** The error output as one line (sbatch's {@code sbatch: error: } prefixes dropped). */
        String errLine() {
            String text = (err.isBlank() ? out : err).lines().map(l -> l.replaceFirst("^\\w+: error: ", "").strip())
                    .filter(l -> !l.isEmpty()).distinct().reduce((a, b) -> a + "; " + b).orElse("no message");
            return text;
        }
    }

    Result exec(String command, List<String> args) {
        Path exe = find(command).orElseThrow(() -> new UserException(command + " not found on the PATH: --slurm "
                + "needs the Slurm client commands (or use --slurm-dry-run to see the job scripts)"));
        List<String> cmd = new ArrayList<>(List.of(exe.toString()));
        cmd.addAll(args);
        try {
            Path out = Files.createTempFile("lmqt-slurm", ".out");
            Path err = Files.createTempFile("lmqt-slurm", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new UserException(command + " did not answer within 120 s (is slurmctld up?)");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UserException("cannot run " + command + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("interrupted while running " + command);
        }
    }

    /** Submits {@code script} with {@code sbatch --parsable} and {@code options}; returns the job id. */
    public String submit(Path script, List<String> options) {
        List<String> args = new ArrayList<>(List.of("--parsable"));
        args.addAll(options);
        args.add(script.toString());
        Result r = exec("sbatch", args);
        if (r.exit() != 0) {
            throw new UserException("sbatch refused " + script.getFileName() + ": " + r.errLine());
        }
        String id = r.out().strip().split(";")[0];   // --parsable: <job id>[;<cluster>]
        if (!id.matches("\\d+")) {
            throw new UserException("sbatch answered '" + r.out().strip() + "', not a job id");
        }
        return id;
    }

    /** The partition names {@code sinfo} knows. */
    public List<String> partitions() {
        Result r = exec("sinfo", List.of("-h", "-o", "%R"));
        if (r.exit() != 0) {
            throw new UserException("sinfo failed: " + r.errLine());
        }
        return r.out().lines().map(String::strip).filter(l -> !l.isEmpty()).distinct().toList();
    }

    /** A one-line error unless {@code name} is a partition of the cluster. */
    public void requirePartition(String name) {
        List<String> known = partitions();
        if (!known.contains(name)) {
            throw new UserException("partition '" + name + "' does not exist (partitions: " + String.join(", ", known)
                    + ")");
        }
    }

    /**
     * The state of every task of {@code jobId} the cluster still knows ({@code 12_3} to {@code RUNNING}): from
     * {@code squeue} (queued, running and recently ended jobs), then {@code sacct} for older ones where accounting
     * is enabled. Empty when neither answers.
     */
    public Map<String, String> jobStates(String jobId) {
        Map<String, String> states = new LinkedHashMap<>();
        if (find("sacct").isPresent()) {
            Result acct = exec("sacct", List.of("-n", "-P", "-X", "-j", jobId, "-o", "JobID,State"));
            if (acct.exit() == 0) {
                acct.out().lines().map(l -> l.split("\\|")).filter(f -> f.length == 2)
                        .forEach(f -> states.put(f[0].strip(), f[1].strip().split(" ")[0]));
            }
        }
        if (find("squeue").isPresent()) {
            Result q = exec("squeue", List.of("-h", "-r", "-t", "all", "-j", jobId, "-o", "%i|%T"));
            if (q.exit() == 0) {
                q.out().lines().map(l -> l.split("\\|")).filter(f -> f.length == 2)
                        .forEach(f -> states.put(f[0].strip(), f[1].strip()));
            }
        }
        return states;
    }

    /** Whether a job state means the job may still run (pending, running, suspended, ...). */
    public static boolean inFlight(String state) {
        return switch (state) {
            case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING", "SIGNALING",
                 "STAGE_OUT", "STOPPED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SPECIAL_EXIT" -> true;
            default -> false;
        };
    }
}
