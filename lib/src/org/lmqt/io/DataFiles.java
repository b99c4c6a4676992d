package org.lmqt.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.lmqt.cli.UserException;

/**
 * The data files of one split of a data set folder (a hub-cache snapshot or a downloaded repository), named as the
 * Hugging Face {@code datasets} library infers them: a file belongs to a split when a keyword of that split
 * ({@code train, training}; {@code validation, valid, dev, val}; {@code test, testing, eval, evaluation}) is a word of
 * its path inside the folder (words are separated by anything but letters, e.g.
 * {@code data/train-00000-of-00002.parquet}, {@code val.jsonl.zst}, {@code train/0000.parquet}); when no file names
 * any split, all are {@code train}. Only files that {@link TextRecords} reads count, hidden ones ({@code .})
 * excluded; of several formats the most frequent wins (ties in the order of {@link TextRecords.Format}). Files are
 * sorted by path.
 */
public final class DataFiles {
    private static final Map<String, List<String>> SPLIT_KEYWORDS = Map.of(
            "train", List.of("train", "training"),
            "validation", List.of("validation", "valid", "dev", "val"),
            "test", List.of("test", "testing", "eval", "evaluation"));

    private DataFiles() {}

    /** The files of {@code split} ({@code train}, {@code validation} or {@code test}) in {@code folder}, maybe none. */
    public static List<Path> ofSplit(Path folder, String split) {
        List<String> keywords = SPLIT_KEYWORDS.get(split);
        if (keywords == null) {
            throw new IllegalArgumentException("split must be one of " + SPLIT_KEYWORDS.keySet() + ": " + split);
        }
        List<Path> all = dataFiles(folder);
        boolean anySplitNamed = all.stream().anyMatch(f -> SPLIT_KEYWORDS.values().stream()
                .anyMatch(k -> namesSplit(folder, f, k)));
        List<Path> ofSplit = anySplitNamed ? all.stream().filter(f -> namesSplit(folder, f, keywords)).toList()
                : split.equals("train") ? all : List.of();
        return mostFrequentFormat(ofSplit);
    }

    private static List<Path> dataFiles(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(f -> !f.equals(folder) && Files.isRegularFile(f) && !hidden(folder, f)
                            && TextRecords.Format.of(f).isPresent())
                    .sorted(Comparator.comparing(f -> folder.relativize(f).toString())).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new UserException(folder + ": cannot list the data files (" + e.getMessage() + ")");
        }
    }

    private static boolean hidden(Path folder, Path file) {
        for (Path part : folder.relativize(file)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static boolean namesSplit(Path folder, Path file, List<String> keywords) {
        String relative = folder.relativize(file).toString().toLowerCase(Locale.ROOT);
        return Arrays.stream(relative.split("[^a-z]+")).anyMatch(keywords::contains);
    }

    private static List<Path> mostFrequentFormat(List<Path> files) {
        Map<TextRecords.Format, Long> counts = files.stream().collect(Collectors.groupingBy(
                f -> TextRecords.Format.of(f).orElseThrow(), Collectors.counting()));
        Optional<TextRecords.Format> chosen = Arrays.stream(TextRecords.Format.values()).filter(counts::containsKey)
                .max(Comparator.comparing((Function<TextRecords.Format, Long>) counts::get)
                        .thenComparing(Comparator.reverseOrder()));
        return chosen.map(f -> files.stream().filter(p -> TextRecords.Format.of(p).orElseThrow() == f).toList())
                .orElse(List.of());
    }
}
