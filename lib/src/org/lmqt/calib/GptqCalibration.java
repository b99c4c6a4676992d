package org.lmqt.calib;

import java.util.List;
import java.util.function.Function;
import org.lmqt.cli.UserException;

/**
 * The GPTQ/AWQ calibration set of the original (lmqt-spec §4.11): the first 1024 documents of a C4 training shard
 * tokenised one by one and concatenated into one stream, then, after {@code random.seed(1)}, 1024 windows of 512
 * tokens starting at {@code randint(0, N - 512 - 1)}. The inclusive bound {@code N - 513} means the stream's last
 * token is never used; windows may overlap or repeat, and their starts depend only on {@code N}.
 */
public final class GptqCalibration {
    /** The C4 shard (in {@code allenai/c4}) whose first documents form the stream. */
    public static final String C4_TRAIN_FILE = "en/c4-train.00001-of-01024.json.gz";
    /** Documents of that shard that are tokenised. */
    public static final int DOCUMENTS = 1024;

    private GptqCalibration() {}

    /**
     * How many windows of which length, from which {@code random} seed.
     *
     * @param windows number of windows (positive)
     * @param length  tokens per window (positive)
     * @param seed    the {@code random.seed} before the first draw
     */
    public record Settings(int windows, int length, long seed) {
        /** The original's: 1024 windows of 512 tokens, seed 1. */
        public static final Settings DEFAULT = new Settings(1024, 512, 1);

        public Settings {
            if (windows < 1 || length < 1) {
                throw new IllegalArgumentException("windows and length must be positive: " + windows + ", " + length);
            }
        }
    }

    /** The token stream: the first {@link #DOCUMENTS} documents encoded (BOS included) and concatenated. */
    public static long[] stream(List<String> documents, Function<String, long[]> encoder) {
        List<long[]> encoded = documents.stream().limit(DOCUMENTS).map(encoder).toList();
        long[] stream = new long[encoded.stream().mapToInt(ids -> ids.length).sum()]; // [N]
        int at = 0;
        for (long[] ids : encoded) {
            System.arraycopy(ids, 0, stream, at, ids.length);
            at += ids.length;
        }
        return stream;
    }

    /** The window starts for a stream of {@code streamTokens} tokens; a one-line error when it is too short. */
    public static int[] starts(int streamTokens, Settings settings) {
        if (streamTokens <= settings.length()) {
            throw new UserException("the GPTQ calibration stream has " + streamTokens + " tokens; windows of "
                    + settings.length() + " need at least " + (settings.length() + 1));
        }
        PythonRandom random = new PythonRandom(settings.seed());
        int[] starts = new int[settings.windows()]; // [windows]
        for (int w = 0; w < starts.length; w++) {
            starts[w] = (int) random.randint(0, streamTokens - settings.length() - 1);
        }
        return starts;
    }

    /** The windows of {@code stream}, {@code [windows][length]}: row {@code w} = {@code stream[s_w : s_w + length]}. */
    public static long[][] windows(long[] stream, Settings settings) {
        int[] starts = starts(stream.length, settings);
        long[][] windows = new long[starts.length][]; // [windows][length]
        for (int w = 0; w < starts.length; w++) {
            windows[w] = java.util.Arrays.copyOfRange(stream, starts[w], starts[w] + settings.length());
        }
        return windows;
    }
}
