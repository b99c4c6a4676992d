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
    public record Key(String model, String cfg, String taskType, String algo) {}

    /** One row: the state of a subtask. */
    public record Entry(int status, String completionTime, String error) {
        static final Entry NEW = new Entry(TODO, "", "");
    }

    private final Path file;
    private final Map<Key, Entry> rows;

    private ProgressTable(Path file, Map<Key, Entry> rows) {
        this.file = file;
        this.rows = rows;
    }

    /** The table for {@code plan}: the plan's rows in grid order with their recorded state, then foreign rows. */
    public static ProgressTable load(Path file, Plan plan) {
        Map<Key, Entry> recorded = read(file);
        Map<Key, Entry> rows = new LinkedHashMap<>();
        for (Subtask s : plan.subtasks()) {
            rows.put(s.key(), recorded.getOrDefault(s.key(), Entry.NEW));
        }
        recorded.forEach(rows::putIfAbsent);
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

    /** Records {@code s} as finished at {@code when} and rewrites the file. */
    public void markDone(Subtask s, LocalDateTime when) {
        rows.put(s.key(), new Entry(DONE, TIME.format(when), ""));
        write();
    }

    /** Records the failure of {@code s} with its message (made one line) and rewrites the file. */
    public void markFailed(Subtask s, LocalDateTime when, String message) {
        rows.put(s.key(), new Entry(FAILED, TIME.format(when), message.replaceAll("[\\r\\n]+", " ").strip()));
        write();
    }

    /** All rows, in file order. */
    public Map<Key, Entry> rows() {
        return java.util.Collections.unmodifiableMap(rows);
    }

    /** Writes the table (temporary file + rename). */
    public void write() {
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
