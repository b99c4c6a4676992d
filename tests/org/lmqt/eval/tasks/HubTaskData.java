package org.lmqt.eval.tasks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.lmqt.checkpoint.HubCache;
import org.lmqt.io.parquet.DuckDb;

/**
 * Writes task documents as parquet into a temporary Hugging Face hub cache, in the layout {@code datasets} leaves
 * there: {@code datasets--org--name/snapshots/<sha>/<file>} with {@code refs/main} (the main branch) or
 * {@code refs/convert/parquet} (the hub's parquet conversion) naming the snapshot. DuckDB converts the JSON lines.
 */
public final class HubTaskData {
    /** The main branch's snapshot, and the parquet conversion's. */
    public enum Branch {
        MAIN("main", "1111111111111111111111111111111111111111"),
        CONVERT("convert/parquet", "2222222222222222222222222222222222222222");

        final String ref;
        final String sha;

        Branch(String ref, String sha) {
            this.ref = ref;
            this.sha = sha;
        }
    }

    private HubTaskData() {}

    /** Writes the JSON lines of {@code jsonl} as {@code relative} (a parquet path) of {@code datasetId}'s snapshot. */
    public static Path writeJsonl(DuckDb duck, Path cache, String datasetId, Branch branch, String relative,
                                  Path jsonl) {
        return write(duck, cache, datasetId, branch, relative, "SELECT * FROM read_json('" + jsonl
                + "', format = 'newline_delimited')");
    }

    /** Writes the rows of {@code select} as {@code relative} of {@code datasetId}'s snapshot on {@code branch}. */
    public static Path write(DuckDb duck, Path cache, String datasetId, Branch branch, String relative,
                             String select) {
        Path repo = HubCache.datasetFolder(datasetId, cache);
        Path file = repo.resolve("snapshots").resolve(branch.sha).resolve(relative);
        try {
            Files.createDirectories(file.getParent());
            Path ref = repo.resolve("refs").resolve(branch.ref);
            Files.createDirectories(ref.getParent());
            Files.writeString(ref, branch.sha, StandardCharsets.UTF_8);
            return duck.write(select, file, "ROW_GROUP_SIZE 2");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
