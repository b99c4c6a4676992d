package org.lmqt.bos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.io.AtomicFiles;
import org.lmqt.io.PandasCsv;
import org.lmqt.io.TextRecords;

/**
 * The BoS CSV: columns {@code topic,text,timestamp}, as pandas' {@code to_csv(index=False)} writes strings (quoted
 * only when needed, quotes doubled, {@code \n} line ends), always written whole and atomically.
 */
public final class BosCsv {
    /** The header row. */
    public static final String HEADER = "topic,text,timestamp";
    /** Share of the bytes that go to {@code train.csv} in {@link #split} (the original's 4 of 5 chunks). */
    public static final double TRAIN_SHARE = 0.8;

    private BosCsv() {}

    /** Writes {@code records} to {@code file} (temporary file + rename). */
    public static void write(Path file, List<BosRecord> records) {
        AtomicFiles.writeText(file, w -> {
            w.write(HEADER + "\n");
            for (BosRecord r : records) {
                w.write(row(r));
            }
        });
    }

    private static String row(BosRecord r) {
        return PandasCsv.quote(r.topic()) + "," + PandasCsv.quote(r.text()) + "," + PandasCsv.quote(r.timestamp())
                + "\n";
    }

    /** The records of a BoS CSV; none when the file does not exist. */
    public static List<BosRecord> read(Path file) {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<String> topics = TextRecords.csvColumn(file, "topic");
        List<String> texts = TextRecords.csvColumn(file, "text");
        List<String> stamps = TextRecords.csvColumn(file, "timestamp");
        List<BosRecord> out = new ArrayList<>(topics.size());
        for (int i = 0; i < topics.size(); i++) {
            out.add(new BosRecord(topics.get(i), texts.get(i), stamps.get(i)));
        }
        return out;
    }

    /**
     * Writes {@code train.csv} and {@code test.csv} into {@code dir}, each with the header: the records in file
     * order, cut at the first record boundary where {@value #TRAIN_SHARE} of the rows' bytes are reached (the
     * original cut the file into byte chunks, which could split a row in two). With two records or more, both
     * files get at least one; with none, both hold only the header.
     */
    public static void split(List<BosRecord> records, Path dir) {
        long total = 0;
        long[] bytes = new long[records.size()]; // [records]
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = row(records.get(i)).getBytes(StandardCharsets.UTF_8).length;
            total += bytes[i];
        }
        int cut = 0;
        long sum = 0;
        while (cut < records.size() && sum < TRAIN_SHARE * total) {
            sum += bytes[cut++];
        }
        if (records.size() >= 2) {
            cut = Math.min(Math.max(cut, 1), records.size() - 1);
        }
        write(dir.resolve("train.csv"), records.subList(0, cut));
        write(dir.resolve("test.csv"), records.subList(cut, records.size()));
    }

}
