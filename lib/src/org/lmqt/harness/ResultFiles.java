package org.lmqt.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.lmqt.cli.UserException;
import org.lmqt.io.AtomicFiles;

/**
 * The result files of one experiment folder: a one-row {@code partial-<algo>-<model>-<cfg>.csv} per finished
 * subtask and their concatenation {@code result-<experiment>-<YYYYmmddHHMMSS>.csv}. All writes are atomic.
 */
public final class ResultFiles {
    /** Timestamp format of the result file name. */
    public static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    private ResultFiles() {}

    /** Writes the partial file of {@code s} (replacing an older one). */
    public static Path writePartial(Path experimentDir, Subtask s, ResultRow row) {
        Path file = experimentDir.resolve(s.partialFileName());
        AtomicFiles.writeString(file, row.columns().header() + "\n" + row.csvRecord() + "\n");
        return file;
    }

    /** The partial files of the folder, sorted by name (the original takes file-system order). */
    public static List<Path> partials(Path experimentDir) {
        return list(experimentDir, "partial-");
    }

    /** The result files of {@code experiment} in the folder, oldest name first. */
    public static List<Path> results(Path experimentDir, String experiment) {
        return list(experimentDir, "result-" + experiment + "-");
    }

    private static List<Path> list(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(prefix) && n.endsWith(".csv");
            }).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Concatenates every partial file of the folder (earlier runs' included) into
     * {@code result-<experiment>-<stamp>.csv}; empty when there is no partial file.
     */
    public static Optional<Path> combine(Path experimentDir, String experiment, LocalDateTime now) {
        List<Path> partials = partials(experimentDir);
        if (partials.isEmpty()) {
            return Optional.empty();
        }
        ResultColumns schema = schemaOf(partials.get(0));
        StringBuilder sb = new StringBuilder(schema.header()).append('\n');
        // partial files of an older lmqt lack the added columns: they are 0 there, as unmeasured metrics are, and
        // those written before the KV columns had the exact cache
        Map<String, String> paddingOf = schema.paddingByHeader();
        for (Path p : partials) {
            List<String> lines = readLines(p);
            String padding = lines.isEmpty() ? null : paddingOf.get(lines.get(0));
            if (padding == null) {
                throw new UserException(p + " does not have the result columns of " + partials.get(0).getFileName()
                        + "; move it out of " + experimentDir);
            }
            lines.subList(1, lines.size()).stream().filter(l -> !l.isEmpty())
                    .forEach(l -> sb.append(l).append(padding).append('\n'));
        }
        Path out = experimentDir.resolve("result-" + experiment + "-" + STAMP.format(now) + ".csv");
        AtomicFiles.writeString(out, sb.toString());
        return Optional.of(out);
    }

    /** The schema whose header (or one of an older lmqt's) a partial file starts with. */
    private static ResultColumns schemaOf(Path partial) {
        List<String> lines = readLines(partial);
        String first = lines.isEmpty() ? "" : lines.get(0);
        for (ResultColumns c : ResultColumns.KNOWN) {
            if (c.paddingByHeader().containsKey(first)) {
                return c;
            }
        }
        throw new UserException(partial + " does not have the result columns; move it out of " + partial.getParent());
    }

    /** The data rows of a result or partial file, split into fields. */
    public static List<List<String>> readRows(Path file) {
        List<String> lines = readLines(file);
        List<List<String>> rows = new ArrayList<>();
        for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
            if (!l.isEmpty()) {
                rows.add(CsvLine.split(l));
            }
        }
        return rows;
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
