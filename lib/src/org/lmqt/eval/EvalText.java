package org.lmqt.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.lmqt.checkpoint.HubCache;
import org.lmqt.cli.UserException;
import org.lmqt.io.parquet.ParquetFile;

/**
 * The evaluation texts of the original (lmqt-spec §4.10): WikiText-2 (raw, test split) and the first 1,100
 * documents of C4's {@code en/c4-validation.00000-of-00008.json.gz}, documents joined with {@code "\n\n"}; or any
 * plain-text file as it is. Files come from a given path or the Hugging Face hub cache.
 */
public final class EvalText {
    /** Documents of C4 validation shard 0 that the original uses. */
    public static final int C4_DOCUMENTS = 1100;
    /** The C4 shard the original reads. */
    public static final String C4_FILE = "en/c4-validation.00000-of-00008.json.gz";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Hub-cache folders of the WikiText dataset: its current repository, then its name before the move. */
    private static final List<String> WIKITEXT_REPOS = List.of("datasets--Salesforce--wikitext", "datasets--wikitext");
    /** The raw test split inside a snapshot: the main branch's file, then the parquet-converted branch's. */
    private static final List<String> WIKITEXT_TEST_FILES = List.of("wikitext-2-raw-v1/test-00000-of-00001.parquet",
            "wikitext-2-raw-v1/test/0000.parquet");

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
            case C4 -> String.join("\n\n", jsonRows(file.orElseGet(() -> findC4(hubCache)), C4_DOCUMENTS));
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
            return parquetRows(file);
        }
        if (name.contains(".json")) {
            return jsonRows(file, Integer.MAX_VALUE);
        }
        List<String> rows = new ArrayList<>();
        for (String line : plain(file).split("(?<=\n)")) {
            rows.add(line.isBlank() ? "" : line);
        }
        return rows;
    }

    /** The {@code text} field of the first {@code limit} lines of a JSON-lines file (gzip when named .gz). */
    static List<String> jsonRows(Path file, int limit) {
        List<String> rows = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while (rows.size() < limit && (line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode doc = JSON.readTree(line);
                JsonNode text = doc.get("text");
                if (text == null) {
                    throw new UserException(file + ": line " + n + " has no 'text' field");
                }
                rows.add(text.asText());
            }
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + Optional.ofNullable(e.getMessage()).orElse(e.toString())
                    .lines().findFirst().orElse("") + ")");
        }
        if (rows.isEmpty()) {
            throw new UserException(file + ": no documents");
        }
        return rows;
    }

    /** The {@code text} column of a parquet file, null rows as "". */
    static List<String> parquetRows(Path file) {
        List<String> rows = ParquetFile.open(file).readStrings("text").stream().map(t -> t == null ? "" : t).toList();
        if (rows.isEmpty()) {
            throw new UserException(file + ": no documents");
        }
        return rows;
    }

    private static Path findC4(Path hubCache) {
        return findInHub(hubCache, "datasets--allenai--c4", C4_FILE).orElseThrow(() -> new UserException(
                "C4 validation shard " + C4_FILE + " not found in " + hubCache + " (datasets--allenai--c4); "
                + "pass it with --data"));
    }

    /**
     * WikiText-2's raw test split in the hub cache: the dataset repository as it is named now and its old name, each
     * in its main-branch layout or in the parquet-converted branch's ({@code refs/convert/parquet}).
     */
    private static Path findWikitext(Path hubCache) {
        for (String repo : WIKITEXT_REPOS) {
            for (String relative : WIKITEXT_TEST_FILES) {
                Optional<Path> p = findInHub(hubCache, repo, relative);
                if (p.isPresent()) {
                    return p.get();
                }
            }
        }
        throw new UserException("WikiText-2 not found in " + hubCache
                + " (datasets--Salesforce--wikitext); pass wiki.test.raw with --data");
    }

    /** A file inside any snapshot of a hub-cache dataset repository. */
    static Optional<Path> findInHub(Path hubCache, String repo, String relative) {
        Path snapshots = hubCache.resolve(repo).resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(snapshots)) {
            return s.map(p -> p.resolve(relative)).filter(Files::isRegularFile).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
