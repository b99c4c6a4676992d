package org.lmqt.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lmqt.cli.UserException;
import org.lmqt.io.AtomicFiles;

/**
 * {@code progress.csv}, the harness's memory of finished subtasks: columns
 * {@code model,cfg,task_type,algo,status,completion_time} as in the original plus {@code error}. Status 1 is done,
 * 0 to do, -1 failed (with the error message); like the original, every status other than 1 runs again. Rows of
 * earlier runs that are not in the current plan are kept (the original drops them). Every change rewrites the
 * file atomically, so a killed run leaves either the old or the new table.
 * <p>
 * Every change is first written to the subtask's own state file {@code state/<task>-<algo>-<model>-<cfg>-<hash>.json}
 * next to {@code progress.csv} (atomically), and {@code progress.csv} is then derived from them: the state files
 * win over its rows (once the state folder exists, a subtask of the plan without a state file is to do, so deleting
 * a state file runs its subtask again; the rows of an older lmqt's table get their state files at the first
 * rewrite), and the rewrite happens under an exclusive lock on {@code .progress.lock} after re-reading every state
 * file. So many processes (Slurm array tasks) finishing at once on a shared folder lose no update, and
 * a derivation that was lost anyway (a file system without locks) is healed by the next one.
 */
public final class ProgressTable {
    /** Header of the file. */
    public static final List<String> COLUMNS = List.of("model", "cfg", "task_type", "algo", "status",
            "completion_time", "error");
    /** Format of {@code completion_time}. */
    public static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** Status of a finished subtask. */
    public static final int DONE = 1;
    /** Status of a subtask not run yet. */
    public static final int TODO = 0;
    /** Status of a subtask whose last run failed. */
    public static final int FAILED = -1;

    /** Identity of a subtask in the file. */
    public record Key(String model, String cfg, String taskType, String algo) {
        /**
         * {@code <task>-<algo>-<short model>-<cfg>-<hash>.json}, the name of the subtask's own state file (the
         * short model is the last part of the id; the hash of the key tells apart two local model folders of the
         * same name).
         */
        public String stateFileName() {
            String identity = String.join("\n", model, cfg, taskType, algo);
            String hash;
            try {
                byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                        .digest(identity.getBytes(StandardCharsets.UTF_8));
                hash = java.util.HexFormat.of().formatHex(d, 0, 4);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            String shortModel = model.substring(model.lastIndexOf('/') + 1);
            return (taskType + "-" + algo + "-" + shortModel + "-" + cfg).replaceAll("[^A-Za-z0-9._-]", "_") + "-"
                    + hash + ".json";
        }
    }

    /** One row: the state of a subtask. */
    public record Entry(int status, String completionTime, String error) {
        static final Entry NEW = new Entry(TODO, "", "");
    }

    /** Folder of the state files, next to {@code progress.csv}. */
    public static final String STATE_DIR = "state";

    private static final java.util.concurrent.locks.ReentrantLock DERIVING = new java.util.concurrent.locks.ReentrantLock();

    private final Path file;
    private final Map<Key, Entry> rows;

    private ProgressTable(Path file, Map<Key, Entry> rows) {
        this.file = file;
        this.rows = rows;
    }

    /** The table for {@code plan}: the plan's rows in grid order with their recorded state, then foreign rows. */
    public static ProgressTable load(Path file, Plan plan) {
        Map<Key, Entry> table = read(file);
        Map<Key, Entry> states = readStates(stateDir(file));
        // once there are state files, a subtask of the plan without one is to do (its state file was deleted);
        // before (an experiment of an older lmqt), its row of progress.csv counts
        boolean tracked = Files.isDirectory(stateDir(file));
        Map<Key, Entry> rows = new LinkedHashMap<>();
        for (Subtask s : plan.subtasks()) {
            rows.put(s.key(), states.getOrDefault(s.key(), tracked ? Entry.NEW : table.getOrDefault(s.key(), Entry.NEW)));
        }
        table.forEach((k, e) -> rows.putIfAbsent(k, states.getOrDefault(k, e)));
        states.forEach(rows::putIfAbsent);
        return new ProgressTable(file, rows);
    }

    /** The rows of {@code file} (empty when it does not exist); a one-line error for a malformed file. */
    public static Map<Key, Entry> read(Path file) {
        Map<Key, Entry> rows = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return rows;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (lines.isEmpty()) {
            throw new UserException(file + " is empty; delete it to start the experiment afresh");
        }
        List<String> header = CsvLine.split(lines.get(0));
        if (!header.equals(COLUMNS) && !header.equals(COLUMNS.subList(0, 6))) {
            throw new UserException(file + ": unexpected header " + lines.get(0) + " (expected "
                    + String.join(",", COLUMNS) + ")");
        }
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isEmpty()) {
                continue;
            }
            List<String> f = CsvLine.split(lines.get(i));
            if (f.size() < 6) {
                throw new UserException(file + " line " + (i + 1) + ": expected " + header.size() + " fields");
            }
            int status;
            try {
                status = f.get(4).isEmpty() ? TODO : Integer.parseInt(f.get(4));
            } catch (NumberFormatException e) {
                throw new UserException(file + " line " + (i + 1) + ": status '" + f.get(4) + "' is not a number");
            }
            rows.put(new Key(f.get(0), f.get(1), f.get(2), f.get(3)),
                    new Entry(status, f.get(5), f.size() > 6 ? f.get(6) : ""));
        }
        return rows;
    }

    /** The recorded state of {@code s}. */
    public Entry entry(Subtask s) {
        return rows.getOrDefault(s.key(), Entry.NEW);
    }

    /** Whether {@code s} finished in an earlier run. */
    public boolean isDone(Subtask s) {
        return entry(s).status() == DONE;
    }

    /** Records {@code s} as finished at {@code when} in its state file and rewrites the table. */
    public void markDone(Subtask s, LocalDateTime when) {
        record(s, new Entry(DONE, TIME.format(when), ""));
    }

    /** Records the failure of {@code s} with its message (made one line) in its state file and rewrites the table. */
    public void markFailed(Subtask s, LocalDateTime when, String message) {
        record(s, new Entry(FAILED, TIME.format(when), message.replaceAll("[\\r\\n]+", " ").strip()));
    }

    private void record(Subtask s, Entry e) {
        rows.put(s.key(), e);
        LockFile.Holder me = LockFile.Holder.current();
        AtomicFiles.writeString(stateDir(file).resolve(s.stateFileName()),
                FlatJson.write(fields(s.key(), e, me.host(), me.job())));
        write();
    }

    /** The folder of the state files of {@code progressFile}. */
    public static Path stateDir(Path progressFile) {
        return progressFile.toAbsolutePath().resolveSibling(STATE_DIR);
    }

    /** The state file of {@code s} in the experiment folder of {@code progressFile}, whether it exists or not. */
    public static Path stateFile(Path progressFile, Subtask s) {
        return stateDir(progressFile).resolve(s.stateFileName());
    }

    /** Every state file's fields (as written: model, cfg, ..., host, slurm_job), keyed by progress key. */
    public static Map<Key, Map<String, String>> readStateFields(Path stateDir) {
        Map<Key, Map<String, String>> out = new LinkedHashMap<>();
        if (!Files.isDirectory(stateDir)) {
            return out;
        }
        try (java.util.stream.Stream<Path> files = Files.list(stateDir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                Map<String, String> m;
                try {
                    m = FlatJson.read(Files.readString(p, StandardCharsets.UTF_8));
                } catch (java.nio.file.NoSuchFileException gone) {
                    continue;
                } catch (IllegalArgumentException bad) {
                    throw new UserException(p + " is not a state file (" + bad.getMessage() + "); delete it to run "
                            + "its subtask again");
                }
                out.put(new Key(m.getOrDefault("model", ""), m.getOrDefault("cfg", ""),
                        m.getOrDefault("task_type", ""), m.getOrDefault("algo", "")), m);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + stateDir + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static Map<Key, Entry> readStates(Path stateDir) {
        Map<Key, Entry> out = new LinkedHashMap<>();
        readStateFields(stateDir).forEach((k, m) -> {
            int status;
            try {
                status = Integer.parseInt(m.getOrDefault("status", "0"));
            } catch (NumberFormatException e) {
                status = TODO;
            }
            out.put(k, new Entry(status, m.getOrDefault("completion_time", ""), m.getOrDefault("error", "")));
        });
        return out;
    }

    /** All rows, in file order. */
    public Map<Key, Entry> rows() {
        return java.util.Collections.unmodifiableMap(rows);
    }

    /**
     * Writes the table (temporary file + rename) with what the state files record now, under the exclusive lock on
     * {@code .progress.lock} (without it where the file system has no locks).
     */
    public void write() {
        Path lockFile = file.toAbsolutePath().resolveSibling(".progress.lock");
        DERIVING.lock();
        try {
            Files.createDirectories(lockFile.getParent());
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(lockFile,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.channels.FileLock lock = null;
                try {
                    lock = ch.lock();
                } catch (IOException noLocks) {
                    // a file system without locks: the next derivation heals a lost one
                }
                try {
                    Map<Key, Entry> states = readStates(stateDir(file));
                    migrate(states);
                    rows.putAll(states);
                    writeRows();
                } finally {
                    if (lock != null) {
                        lock.release();
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + lockFile + ": " + e.getMessage(), e);
        } finally {
            DERIVING.unlock();
        }
    }

    /**
     * Gives the recorded rows that have no state file yet (from the {@code progress.csv} of an older lmqt) one,
     * never replacing a state file another process wrote meanwhile.
     */
    private void migrate(Map<Key, Entry> states) {
        for (var r : rows.entrySet()) {
            if (r.getValue().status() != TODO && !states.containsKey(r.getKey())) {
                Path target = stateDir(file).resolve(r.getKey().stateFileName());
                try {
                    Files.createDirectories(target.getParent());
                    Path tmp = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid()
                            + ".new");
                    Files.writeString(tmp, FlatJson.write(fields(r.getKey(), r.getValue(), "", "")),
                            StandardCharsets.UTF_8);
                    try {
                        Files.createLink(target, tmp);   // only if absent
                    } catch (java.nio.file.FileAlreadyExistsException written) {
                        // another process recorded it first: its state stands
                    } finally {
                        Files.deleteIfExists(tmp);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
                }
            }
        }
        states.putAll(readStates(stateDir(file)));
    }

    private static Map<String, String> fields(Key k, Entry e, String host, String job) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("model", k.model());
        m.put("cfg", k.cfg());
        m.put("task_type", k.taskType());
        m.put("algo", k.algo());
        m.put("status", Integer.toString(e.status()));
        m.put("completion_time", e.completionTime());
        m.put("error", e.error());
        m.put("host", host);
        m.put("slurm_job", job);
        return m;
    }

    private void writeRows() {
        StringBuilder sb = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        rows.forEach((k, e) -> sb.append(CsvLine.join(List.of(k.model(), k.cfg(), k.taskType(), k.algo(),
                Integer.toString(e.status()), e.completionTime(), e.error()))).append('\n'));
        AtomicFiles.writeString(file, sb.toString());
    }

    /** The error of the last failed run of {@code s}, if it failed. */
    public Optional<String> failure(Subtask s) {
        Entry e = entry(s);
        return e.status() == FAILED ? Optional.of(e.error()) : Optional.empty();
    }

}
