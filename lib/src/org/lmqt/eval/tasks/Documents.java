package org.lmqt.eval.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Task documents from JSON Lines in the HF dataset's schema (one object per line, unknown fields rejected). */
public final class Documents {
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** The documents of {@code task} in {@code file}. */
    public static <D> List<D> read(LoglikelihoodTask<D> task, Path file) {
        return readJsonl(file, task.docType());
    }
}
