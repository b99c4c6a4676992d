package org.lmqt.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlift.compress.MalformedInputException;
import io.airlift.compress.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.lmqt.cli.UserException;
import org.lmqt.io.parquet.ParquetFile;

/**
 * The {@code text} records of a data file, as the Hugging Face {@code datasets} loaders read them, chosen by the
 * file name: {@code .parquet} (column {@code text}), {@code .jsonl} / {@code .json} (JSON lines, field {@code text}),
 * {@code .csv} (column {@code text}, see {@link CsvColumn}) and {@code .txt} (one record per line, as the
 * {@code text} loader splits it: line breaks removed, blank lines kept as ""). All but parquet may be compressed,
 * named {@code .gz} (gzip) or {@code .zst} (zstd). A null value is read as "". Files are UTF-8; an empty file or one
 * that cannot be read is a one-line {@link UserException} naming it.
 */
public final class TextRecords {
    /** The file names read, for messages. */
    public static final String SUPPORTED = ".parquet, .jsonl, .json, .csv or .txt, the last three optionally .gz or "
            + ".zst";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMN = "text";

    private TextRecords() {}

    /** The file formats read, by the name's last extension before any {@code .gz} or {@code .zst}. */
    public enum Format {
        PARQUET, JSON_LINES, CSV, TEXT;

        /** The format of {@code file}, or empty when its name is not one of a data file. */
        public static Optional<Format> of(Path file) {
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".parquet")) {
                return Optional.of(PARQUET);
            }
            String base = name.replaceFirst("\\.(gz|zst)$", "");
            if (base.endsWith(".jsonl") || base.endsWith(".json")) {
                return Optional.of(JSON_LINES);
            }
            if (base.endsWith(".csv")) {
                return Optional.of(CSV);
            }
            return base.endsWith(".txt") ? Optional.of(TEXT) : Optional.empty();
        }
    }

    /** The records of {@code file} in file order, by its format. */
    public static List<String> read(Path file) {
        Format format = Format.of(file).orElseThrow(() -> new UserException(file + ": not a data file ("
                + SUPPORTED + ")"));
        return switch (format) {
            case PARQUET -> parquet(file);
            case JSON_LINES -> jsonLines(file, Integer.MAX_VALUE);
            case CSV -> csv(file);
            case TEXT -> lines(file);
        };
    }

    /** The {@code text} column of a parquet file. */
    public static List<String> parquet(Path file) {
        return nonEmpty(file, ParquetFile.open(file).readStrings(COLUMN).stream().map(t -> t == null ? "" : t)
                .toList());
    }

    /** The {@code text} field of the first {@code limit} JSON lines of {@code file} (blank lines skipped). */
    public static List<String> jsonLines(Path file, int limit) {
        List<String> rows = new ArrayList<>();
        try (BufferedReader r = reader(file)) {
            String line;
            int n = 0;
            while (rows.size() < limit && (line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode text = JSON.readTree(line).get(COLUMN);
                if (text == null) {
                    throw new UserException(file + ": line " + n + " has no '" + COLUMN + "' field");
                }
                rows.add(text.isNull() ? "" : text.asText());
            }
        } catch (IOException | MalformedInputException e) {
            throw cannotRead(file, e);
        }
        return nonEmpty(file, rows);
    }

    /** The {@code text} column of a CSV file. */
    public static List<String> csv(Path file) {
        try (BufferedReader r = reader(file)) {
            return nonEmpty(file, CsvColumn.read(r, COLUMN, file.toString()));
        } catch (IOException | MalformedInputException e) {
            throw cannotRead(file, e);
        }
    }

    /** The values of any named column of a CSV file, in file order (none when it has only a header). */
    public static List<String> csvColumn(Path file, String column) {
        try (BufferedReader r = reader(file)) {
            return CsvColumn.read(r, column, file.toString());
        } catch (IOException | MalformedInputException e) {
            throw cannotRead(file, e);
        }
    }

    /**
     * The lines of a text file without their line breaks (Python's {@code str.splitlines}: LF, CR, CRLF, VT, FF,
     * FS, GS, RS, NEL, LS and PS), no empty record after a final line break.
     */
    public static List<String> lines(Path file) {
        try (BufferedReader r = reader(file)) {
            List<String> rows = new ArrayList<>();
            StringBuilder line = new StringBuilder();
            boolean open = false;
            for (int c = r.read(); c >= 0; c = r.read()) {
                if (!isLineBreak(c)) {
                    line.append((char) c);
                    open = true;
                    continue;
                }
                if (c == '\r') {
                    r.mark(1);
                    if (r.read() != '\n') {
                        r.reset();
                    }
                }
                rows.add(line.toString());
                line.setLength(0);
                open = false;
            }
            if (open) {
                rows.add(line.toString());
            }
            return nonEmpty(file, rows);
        } catch (IOException | MalformedInputException e) {
            throw cannotRead(file, e);
        }
    }

    /** A UTF-8 reader of {@code file}, decompressed by its name ({@code .gz}, {@code .zst}). */
    private static BufferedReader reader(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try {
            InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16)
                    : name.endsWith(".zst") ? new ZstdInputStream(raw) : raw;
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    private static boolean isLineBreak(int c) {
        return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E) || c == 0x85
                || c == 0x2028 || c == 0x2029;
    }

    private static List<String> nonEmpty(Path file, List<String> rows) {
        if (rows.isEmpty()) {
            throw new UserException(file + ": no documents");
        }
        return rows;
    }

    /** One line naming the file and the first line of the cause (zstd and JSON messages can span lines). */
    private static UserException cannotRead(Path file, Exception e) {
        String why = Optional.ofNullable(e.getMessage()).orElse(e.toString()).lines().findFirst().orElse("");
        return new UserException(file + ": cannot read (" + why + ")", e);
    }
}
