package org.lmqt.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.lmqt.checkpoint.HubCache;
import org.lmqt.checkpoint.HubDataset;
import org.lmqt.cli.UserException;
import org.lmqt.io.TextRecords;

/**
 * The evaluation texts of the original (lmqt-spec §4.10): WikiText-2 (raw, test split) and the first 1,100
 * documents of C4's {@code en/c4-validation.00000-of-00008.json.gz}, documents joined with {@code "\n\n"}; or any
 * plain-text file as it is. Files come from a given path or the Hugging Face hub cache.
 */
public final class EvalText {
    /** Documents of C4 validation shard 0 that the original uses. */
    public static final int C4_DOCUMENTS = 1100;
    /** The C4 shard the original reads. */
    public static final String C4_FILE = HubDataset.C4_VALIDATION_FILE;

    private EvalText() {}

    /** The datasets {@code eval-ppl} knows. */
    public enum Dataset { WIKITEXT2, C4 }

    /** The joined text of {@code dataset}, read from {@code file} when given, else from the hub cache. */
    public static String load(Dataset dataset, Optional<Path> file) {
        return load(dataset, file, HubCache.cacheDir());
    }

    /** As {@link #load(Dataset, Optional)} with an explicit hub cache folder (tests cannot set the environment). */
    static String load(Dataset dataset, Optional<Path> file, Path hubCache) {
        return switch (dataset) {
            case WIKITEXT2 -> String.join("\n\n", wikitextRows(file.orElseGet(() -> findWikitext(hubCache))));
            case C4 -> String.join("\n\n", TextRecords.jsonLines(file.orElseGet(() -> findC4(hubCache)),
                    C4_DOCUMENTS));
        };
    }

    /** A plain-text file as it is (UTF-8); a one-line error when it is empty. */
    public static String plain(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (text.isEmpty()) {
                throw new UserException(file + ": empty text");
            }
            return text;
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /**
     * WikiText rows: from {@code wiki.test.raw}, one row per line with its newline, blank lines as empty rows (as the
     * HF dataset builds them); from a {@code .json(l)(.gz)} export, the {@code text} field of each line; from the HF
     * {@code .parquet} file, its {@code text} column in file order, a null row as "".
     */
    static List<String> wikitextRows(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".parquet")) {
            return TextRecords.parquet(file);
        }
        if (name.contains(".json")) {
            return TextRecords.jsonLines(file, Integer.MAX_VALUE);
        }
        List<String> rows = new ArrayList<>();
        for (String line : plain(file).split("(?<=\n)")) {
            rows.add(line.isBlank() ? "" : line);
        }
        return rows;
    }

    private static Path findC4(Path hubCache) {
        return HubDataset.c4Validation().find(hubCache).map(List::getFirst).orElseThrow(() -> new UserException(
                "C4 validation shard " + C4_FILE + " not found in " + hubCache + " (datasets--allenai--c4); "
                + "pass it with --data"));
    }

    /**
     * WikiText-2's raw test split in the hub cache: the dataset repository as it is named now and its old name, each
     * in its main-branch layout or in the parquet-converted branch's ({@code refs/convert/parquet}).
     */
    private static Path findWikitext(Path hubCache) {
        return HubDataset.wikitext2Raw("test").find(hubCache).map(List::getFirst).orElseThrow(() -> new UserException(
                "WikiText-2 not found in " + hubCache + " (datasets--Salesforce--wikitext); pass wiki.test.raw with "
                + "--data"));
    }
}
