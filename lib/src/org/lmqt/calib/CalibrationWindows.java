package org.lmqt.calib;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.lmqt.checkpoint.HubCache;
import org.lmqt.io.TextRecords;

/**
 * The token windows GPTQ and AWQ calibrate on (lmqt-spec §4.11): the original's C4 shard from the hub cache, or any
 * text file of documents, tokenised into one stream and cut into seeded windows as {@link GptqCalibration} does.
 *
 * @param documents a text file of documents (one per line; JSON lines and CSV as {@link TextRecords} reads them), or
 *                  empty for the C4 shard
 * @param settings  how many windows of which length, from which seed
 */
public record CalibrationWindows(Optional<Path> documents, GptqCalibration.Settings settings) {
    /** The original's: 1,024 windows of 512 tokens of the C4 shard, seed 1. */
    public static final CalibrationWindows ORIGINAL = new CalibrationWindows(Optional.empty(),
            GptqCalibration.Settings.DEFAULT);

    public CalibrationWindows {
        if (documents == null || settings == null) {
            throw new IllegalArgumentException("documents (or empty) and settings are required");
        }
    }

    /** The windows for a model whose tokenizer is {@code encoder}. */
    public long[][] windows(Function<String, long[]> encoder) {
        List<String> docs = documents.map(TextRecords::read)
                .orElseGet(() -> CalibrationData.gptqDocuments(HubCache.cacheDir()));
        long[] stream = GptqCalibration.stream(docs.subList(0, Math.min(docs.size(), GptqCalibration.DOCUMENTS)),
                encoder);
        return GptqCalibration.windows(stream, settings);
    }
}
