package org.lmqt.checkpoint;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.lmqt.cli.UserException;
import org.lmqt.io.DataFiles;

/**
 * Where a data set's files lie in the hub cache: repository ids tried in order (a data set may have moved), and in
 * each of their snapshots ({@link HubCache#snapshots}) either the files matching globs relative to the snapshot,
 * tried in order, or, without globs, the data files of {@code split} by the {@code datasets} library's naming rules
 * ({@link DataFiles#ofSplit}). The first match wins.
 *
 * @param ids   dataset ids ({@code org/name}, or {@code name} for the few without an organisation)
 * @param split the split meant ({@code train}, {@code validation} or {@code test})
 * @param globs file globs relative to a snapshot ({@code *} stays within a folder); empty for the split's files
 */
public record HubDataset(List<String> ids, String split, List<String> globs) {
    /** The C4 validation shard that the original's evaluation and sensitivity tools read. */
    public static final String C4_VALIDATION_FILE = "en/c4-validation.00000-of-00008.json.gz";

    public HubDataset {
        ids = List.copyOf(ids);
        globs = List.copyOf(globs);
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("a hub dataset needs at least one id");
        }
    }

    /**
     * WikiText-2 raw, one split: {@code Salesforce/wikitext} or its old id {@code wikitext}, each as on its main branch
     * ({@code wikitext-2-raw-v1/<split>-*.parquet}) or its parquet-converted branch ({@code .../<split>/*.parquet}).
     */
    public static HubDataset wikitext2Raw(String split) {
        return new HubDataset(List.of("Salesforce/wikitext", "wikitext"), split, List.of(
                "wikitext-2-raw-v1/" + split + "-*.parquet", "wikitext-2-raw-v1/" + split + "/*.parquet"));
    }

    /** Shard 0 of C4's English validation split in {@code allenai/c4}. */
    public static HubDataset c4Validation() {
        return new HubDataset(List.of("allenai/c4"), "validation", List.of(C4_VALIDATION_FILE));
    }

    /** The data files of {@code split} of dataset {@code id}. */
    public static HubDataset split(String id, String split) {
        return new HubDataset(List.of(id), split, List.of());
    }

    /** The files, sorted by path, from the first id, glob and snapshot that has any; empty when none has. */
    public Optional<List<Path>> find(Path cache) {
        for (String id : ids) {
            List<Path> snapshots = HubCache.snapshots(HubCache.datasetFolder(id, cache));
            for (String glob : globs.isEmpty() ? List.of("") : globs) {
                for (Path snapshot : snapshots) {
                    List<Path> files = glob.isEmpty() ? DataFiles.ofSplit(snapshot, split) : matching(snapshot, glob);
                    if (!files.isEmpty()) {
                        return Optional.of(files);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** What {@link #find} looked for, for an error message: cache folders and files. */
    public String lookedFor(Path cache) {
        String folders = ids.stream().map(id -> HubCache.datasetFolder(id, cache).getFileName().toString())
                .collect(Collectors.joining(" or "));
        String files = globs.isEmpty() ? "the " + split + " split's data files" : String.join(" or ", globs);
        return folders + " in " + cache + " (" + files + ")";
    }

    private static List<Path> matching(Path snapshot, String glob) {
        if (!glob.contains("*") && !glob.contains("?")) {
            Path exact = snapshot.resolve(glob);
            return Files.isRegularFile(exact) ? List.of(exact) : List.of();
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        try (Stream<Path> files = Files.walk(snapshot)) {
            return files.filter(f -> Files.isRegularFile(f) && matcher.matches(snapshot.relativize(f))).sorted()
                    .toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new UserException(snapshot + ": cannot list the files (" + e.getMessage() + ")");
        }
    }
}
