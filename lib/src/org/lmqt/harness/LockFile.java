package org.lmqt.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A lock that is a file, safe on a shared file system: the holder's record (host, pid, process start, Slurm job)
 * is written to a temporary file that is then hard-linked to the lock's name, which either creates the lock whole
 * or fails because it exists (atomic on local file systems and NFS alike; where hard links are not supported, an
 * exclusive create). A lock whose holder is gone (a process of this host that no longer runs, or a Slurm job that
 * is no longer queued) is stale and is taken over. The file is deleted when the lock is closed; a killed holder
 * leaves it behind, to be taken over.
 */
public final class LockFile implements AutoCloseable {

    /**
     * Who holds a lock.
     *
     * @param host    short host name
     * @param pid     process id on that host
     * @param started the process's start instant (tells a reused pid apart), or empty
     * @param job     Slurm job id ({@code 123_4} for an array task), or empty outside Slurm
     */
    public record Holder(String host, long pid, String started, String job) {

        /** This process. */
        public static Holder current() {
            ProcessHandle self = ProcessHandle.current();
            return new Holder(hostName(), self.pid(), self.info().startInstant().map(Object::toString).orElse(""),
                    slurmJob());
        }

        /** Whether the holder still runs; when that cannot be told (another host, no Slurm job), true. */
        public boolean isAlive() {
            if (host.equals(hostName())) {
                Optional<ProcessHandle> p = ProcessHandle.of(pid);
                return p.isPresent() && (started.isEmpty() || p.get().info().startInstant()
                        .map(i -> i.toString().equals(started)).orElse(true));
            }
            return job.isEmpty() || slurmJobQueued(job);
        }

        /** {@code pid 123 on node1, Slurm job 45_2}. */
        public String describe() {
            return "pid " + pid + " on " + host + (job.isEmpty() ? "" : ", Slurm job " + job);
        }

        String json() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("host", host);
            m.put("pid", Long.toString(pid));
            m.put("started", started);
            m.put("job", job);
            return FlatJson.write(m);
        }

        static Holder parse(String json) {
            Map<String, String> m = FlatJson.read(json);
            return new Holder(m.getOrDefault("host", ""), Long.parseLong(m.getOrDefault("pid", "-1")),
                    m.getOrDefault("started", ""), m.getOrDefault("job", ""));
        }
    }

    private final Path file;
    private final String record;

    private LockFile(Path file, String record) {
        this.file = file;
        this.record = record;
    }

    /** The lock's path. */
    public Path file() {
        return file;
    }

    /**
     * Takes the lock, taking over a stale one; empty when a live holder has it.
     */
    public static Optional<LockFile> tryAcquire(Path file) {
        Holder me = Holder.current();
        String record = me.json();
        for (int attempt = 0; attempt < 3; attempt++) {
            if (create(file, record)) {
                return Optional.of(new LockFile(file, record));
            }
            Optional<String> seen = content(file);
            if (seen.isEmpty()) {
                continue;   // released in between
            }
            Optional<Holder> holder = parse(seen.get());
            if (holder.isPresent() && holder.get().isAlive()) {
                return Optional.empty();
            }
            if (holder.isEmpty() && ageSeconds(file) < 60) {
                return Optional.empty();   // being written by an exclusive create; give it time
            }
            takeOver(file, seen.get());
        }
        return Optional.empty();
    }

    /** The holder of the lock at {@code file}, if there is one. */
    public static Optional<Holder> holder(Path file) {
        return content(file).flatMap(LockFile::parse);
    }

    /** Releases the lock: deletes the file if it is still this lock's. */
    @Override
    public void close() {
        if (content(file).filter(record::equals).isPresent()) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot release " + file + ": " + e.getMessage(), e);
            }
        }
    }

    private static boolean create(Path file, String record) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + "-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".new");
            Files.writeString(tmp, record, StandardCharsets.UTF_8);
            try {
                Files.createLink(file, tmp);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException | IOException e) {
                // no hard links here: an exclusive create, then the record
                try {
                    Files.writeString(file, record, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW,
                            java.nio.file.StandardOpenOption.WRITE);
                    return true;
                } catch (FileAlreadyExistsException again) {
                    return false;
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the lock " + file + ": " + e.getMessage(), e);
        }
    }

    /** Moves a stale lock aside (only one contender's rename succeeds) and deletes it if it was the one judged. */
    private static void takeOver(Path file, String judged) {
        Path aside = file.resolveSibling(file.getFileName() + ".stale-" + ProcessHandle.current().pid());
        try {
            Files.move(file, aside);
            String moved = Files.readString(aside, StandardCharsets.UTF_8);
            if (!moved.equals(judged)) {
                Files.move(aside, file);   // a fresh lock of another contender: put it back
            } else {
                Files.delete(aside);
            }
        } catch (NoSuchFileException | FileAlreadyExistsException e) {
            // another contender was faster
        } catch (IOException e) {
            throw new UncheckedIOException("cannot take over the stale lock " + file + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> content(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the lock " + file + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Holder> parse(String json) {
        try {
            return Optional.of(Holder.parse(json));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static double ageSeconds(Path file) {
        try {
            return (System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis()) / 1000.0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Short host name, as Slurm names nodes. */
    static String hostName() {
        String env = System.getenv("SLURMD_NODENAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            String h = InetAddress.getLocalHost().getHostName();
            int dot = h.indexOf('.');
            return dot > 0 ? h.substring(0, dot) : h;
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** {@code <array job>_<task>} inside an array task, the job id inside another job, else empty. */
    static String slurmJob() {
        String array = System.getenv("SLURM_ARRAY_JOB_ID");
        String task = System.getenv("SLURM_ARRAY_TASK_ID");
        if (array != null && task != null) {
            return array + "_" + task;
        }
        String job = System.getenv("SLURM_JOB_ID");
        return job == null ? "" : job;
    }

    /** Whether {@code squeue} still lists the job; true when that cannot be asked. */
    private static boolean slurmJobQueued(String job) {
        try {
            Process p = new ProcessBuilder(List.of("squeue", "-h", "-j", job, "-o", "%T"))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return true;
            }
            if (p.exitValue() != 0) {
                return !out.contains("Invalid job id");
            }
            return !out.isEmpty();
        } catch (IOException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
