package org.lmqt.eval.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.cli.UserException;
import org.lmqt.io.parquet.Column;
import org.lmqt.io.parquet.ParquetFile;

/**
 * Task documents in the HF dataset's schema, from JSON Lines (one object per line) or parquet (the files the hub
 * holds; each row's nested fields as {@code datasets} presents them). Unknown fields are rejected, except the pandas
 * index columns ({@code __index_level_0__}) that some converted parquet files carry.
 */
public final class Documents {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PANDAS_INDEX = "__index_level_";

    private Documents() {}

    /** The rows of {@code file} as {@code type}, in file order; blank lines are skipped. */
    public static <D> List<D> readJsonl(Path file, Class<D> type) {
        ObjectReader reader = JSON.readerFor(type);
        List<D> docs = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                try {
                    docs.add(reader.readValue(lines.get(i)));
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getOriginalMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    /** The rows of the parquet file {@code file} as {@code type}, in file order. */
    public static <D> List<D> readParquet(Path file, Class<D> type) {
        ParquetFile parquet = ParquetFile.open(file);
        List<String> columns = parquet.columns().stream().map(Column::name).filter(c -> !c.startsWith(PANDAS_INDEX))
                .toList();
        ObjectReader reader = JSON.readerFor(type);
        List<D> docs = new ArrayList<>();
        List<ObjectNode> rows = parquet.readRows(columns);
        for (int i = 0; i < rows.size(); i++) {
            try {
                docs.add(reader.readValue(rows.get(i)));
            } catch (IOException | IllegalArgumentException e) {
                String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
                throw new UserException(file + " row " + i + ": not a " + type.getSimpleName() + " row ("
                        + why.replace('\n', ' ') + ")");
            }
        }
        return docs;
    }

    /** The documents of {@code task} in {@code file}: parquet when it ends in {@code .parquet}, else JSON lines. */
    public static <D> List<D> read(LoglikelihoodTask<D> task, Path file) {
        return file.getFileName().toString().endsWith(".parquet") ? readParquet(file, task.docType())
                : readJsonl(file, task.docType());
    }

    /** The documents of {@code task} in {@code files}, one after the other (a split's shards, sorted). */
    public static <D> List<D> read(LoglikelihoodTask<D> task, List<Path> files) {
        List<D> docs = new ArrayList<>();
        for (Path f : files) {
            docs.addAll(read(task, f));
        }
        return docs;
    }
}
