package org.lmqt.calib;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.lmqt.cli.UserException;

/**
 * The sensitivity tool's calibration batch ({@code get_calib_dataset}, lmqt-spec §4.9 step 2): the records are
 * visited in {@code Dataset.shuffle(seed)} order ({@link HfShuffle}); each text is stripped and encoded (Llama's
 * tokenizer prepends BOS, so an empty line is one token and is kept); a record of more than 512 tokens or of none is
 * skipped; the first 128 kept records are concatenated and cut into {@code floor(total / 512)} blocks of 512, the
 * remainder dropped.
 */
public final class SensitivityCalibration {

    private SensitivityCalibration() {}

    /**
     * The builder's parameters.
     *
     * @param samples         records to keep (positive)
     * @param blockSize       tokens per block (positive)
     * @param maxRecordTokens longest record kept, in tokens (the original's literal 512, not the block size)
     * @param seed            the shuffle seed
     */
    public record Settings(int samples, int blockSize, int maxRecordTokens, long seed) {
        /** The original's: 128 records, blocks of 512, records of at most 512 tokens, seed 42. */
        public static final Settings DEFAULT = new Settings(128, 512, 512, 42);

        public Settings {
            if (samples < 1 || blockSize < 1 || maxRecordTokens < 1) {
                throw new IllegalArgumentException("samples, blockSize and maxRecordTokens must be positive: "
                        + samples + ", " + blockSize + ", " + maxRecordTokens);
            }
            if (seed < 0) {
                throw new IllegalArgumentException("the shuffle seed must not be negative: " + seed);
            }
        }
    }

    /** Why a record was not kept. */
    public enum SkipReason {
        /** More tokens than {@link Settings#maxRecordTokens()}. */
        TOO_LONG,
        /** The encoder returned no token. */
        EMPTY
    }

    /** A record left out: its index in the data set and why. */
    public record Skipped(int record, SkipReason reason) {
        public Skipped {
            if (record < 0) {
                throw new IllegalArgumentException("negative record index " + record);
            }
        }
    }

    /**
     * What the builder did.
     *
     * @param visited       records visited in shuffled order
     * @param kept          indices of the kept records, in concatenation order
     * @param skipped       the records skipped on the way, in visiting order
     * @param totalTokens   tokens of all kept records
     * @param droppedTokens tokens past the last full block
     */
    public record Stats(int visited, List<Integer> kept, List<Skipped> skipped, int totalTokens, int droppedTokens) {
        public Stats {
            kept = List.copyOf(kept);
            skipped = List.copyOf(skipped);
            if (visited != kept.size() + skipped.size()) {
                throw new IllegalArgumentException(visited + " visited records are not " + kept.size() + " kept + "
                        + skipped.size() + " skipped");
            }
            if (droppedTokens < 0 || droppedTokens > totalTokens) {
                throw new IllegalArgumentException(droppedTokens + " dropped of " + totalTokens + " tokens");
            }
        }

        /** One line for a progress log, e.g. {@code 128 records kept of 131 visited (3 skipped: ...), ...}. */
        public String summary(int blockSize) {
            long tooLong = skipped.stream().filter(s -> s.reason() == SkipReason.TOO_LONG).count();
            return kept.size() + " records kept of " + visited + " visited (" + skipped.size() + " skipped: "
                    + tooLong + " too long, " + (skipped.size() - tooLong) + " empty), " + totalTokens + " tokens, "
                    + (totalTokens - droppedTokens) / blockSize + " blocks of " + blockSize + ", " + droppedTokens
                    + " tokens dropped";
        }
    }

    /**
     * The batch: {@code blocks} rows of {@code blockSize} token ids, stored flat.
     *
     * @param ids       {@code [blocks * blockSize]} row-major
     * @param blocks    number of blocks (positive)
     * @param blockSize tokens per block
     * @param stats     how the records were chosen
     */
    public record Batch(long[] ids, int blocks, int blockSize, Stats stats) {
        public Batch {
            if (blocks < 1 || (long) blocks * blockSize != ids.length) {
                throw new IllegalArgumentException(ids.length + " ids are not " + blocks + " blocks of " + blockSize);
            }
        }

        /** The ids of block {@code b}: {@code [blockSize]}, a copy. */
        public long[] block(int b) {
            return java.util.Arrays.copyOfRange(ids, b * blockSize, (b + 1) * blockSize);
        }

        /** The batch as {@code [blocks][blockSize]}. */
        public long[][] toArray() {
            long[][] rows = new long[blocks][]; // [blocks][blockSize]
            for (int b = 0; b < blocks; b++) {
                rows[b] = block(b);
            }
            return rows;
        }
    }

    /** {@link #build(String, List, Function, Settings)} with the original's settings. */
    public static Batch build(String dataset, List<String> records, Function<String, long[]> encoder) {
        return build(dataset, records, encoder, Settings.DEFAULT);
    }

    /**
     * Builds the batch of {@code records} (the data set's {@code text} column in file order).
     *
     * @param dataset named in the error when the kept records hold less than one block
     * @param encoder text to token ids (with the tokenizer's special tokens, e.g. a leading BOS)
     */
    public static Batch build(String dataset, List<String> records, Function<String, long[]> encoder,
                              Settings settings) {
        int[] order = HfShuffle.permutation(settings.seed(), records.size());
        // visit in shuffled order, keeping records of 1..maxRecordTokens tokens until enough are kept
        List<Integer> kept = new ArrayList<>();
        List<long[]> keptIds = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        int total = 0;
        for (int k = 0; k < order.length && kept.size() < settings.samples(); k++) {
            long[] ids = encoder.apply(PyStrings.strip(records.get(order[k])));
            if (ids.length > settings.maxRecordTokens()) {
                skipped.add(new Skipped(order[k], SkipReason.TOO_LONG));
            } else if (ids.length == 0) {
                skipped.add(new Skipped(order[k], SkipReason.EMPTY));
            } else {
                kept.add(order[k]);
                keptIds.add(ids);
                total += ids.length;
            }
        }
        // cut the concatenation into whole blocks, dropping the remainder
        int blocks = total / settings.blockSize();
        int dropped = total - blocks * settings.blockSize();
        Stats stats = new Stats(kept.size() + skipped.size(), kept, skipped, total, dropped);
        if (blocks == 0) {
            throw new UserException(dataset + ": the calibration records hold " + total + " tokens ("
                    + kept.size() + " kept of " + records.size() + "), fewer than one block of "
                    + settings.blockSize());
        }
        long[] ids = new long[blocks * settings.blockSize()]; // [blocks * blockSize]
        int at = 0;
        for (long[] record : keptIds) {
            int n = Math.min(record.length, ids.length - at);
            System.arraycopy(record, 0, ids, at, n);
            at += n;
        }
        return new Batch(ids, blocks, settings.blockSize(), stats);
    }
}
