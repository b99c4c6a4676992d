package org.lmqt.calib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lmqt.calib.SensitivityCalibration.Batch;
import org.lmqt.calib.SensitivityCalibration.SkipReason;
import org.lmqt.calib.SensitivityCalibration.Skipped;
import org.lmqt.cli.UserException;

/**
 * {@code get_calib_dataset} on the fixture's synthetic data set ({@code sensi-calib-synthetic.json}): 300 records,
 * already tokenised, whose texts are {@code " record <r>\n"}; the encoder checks that it gets the stripped text and
 * returns the record's ids, {@code token(r, 0) = 1} (BOS) and {@code token(r, p) = 3 + (31 r + 7 p) % 997}.
 */
class SensitivityCalibrationTest {
    static JsonNode golden;
    static int[] lengths;
    static List<String> records;

    @BeforeAll
    static void readGolden() {
        golden = Fixtures.json("sensi-calib-synthetic.json");
        lengths = Fixtures.ints(golden.get("lengths"));
        records = IntStream.range(0, lengths.length).mapToObj(r -> " record " + r + "\n").toList();
    }

    @Test
    void theSyntheticSetGivesTheOriginalsBatch() {
        List<Integer> visited = new ArrayList<>();
        Batch batch = SensitivityCalibration.build("synthetic", records, encoder(visited));
        SensitivityCalibration.Stats stats = batch.stats();

        assertEquals(SensitivityCalibration.Settings.DEFAULT, new SensitivityCalibration.Settings(
                golden.get("n_samples").asInt(), golden.get("block_size").asInt(),
                golden.get("max_record_tokens").asInt(), golden.get("shuffle_seed").asLong()));
        assertEquals(list(golden.get("shuffled_order_first")), visited);
        assertEquals(visited.size(), stats.visited());
        assertEquals(list(golden.get("kept")), stats.kept());
        List<Skipped> skipped = new ArrayList<>();
        for (JsonNode s : golden.get("skipped")) {
            skipped.add(new Skipped(s.get(0).asInt(), switch (s.get(1).asText()) {
                case "longer than 512" -> SkipReason.TOO_LONG;
                case "empty" -> SkipReason.EMPTY;
                default -> throw new IllegalStateException("unknown reason " + s.get(1));
            }));
        }
        assertEquals(skipped, stats.skipped());
        assertEquals(golden.get("total_tokens").asInt(), stats.totalTokens());
        assertEquals(golden.get("dropped_tokens").asInt(), stats.droppedTokens());
        assertEquals(golden.get("n_blocks").asInt(), batch.blocks());
        assertEquals(512, batch.blockSize());
        assertEquals("128 records kept of 196 visited (68 skipped: " + count(skipped, SkipReason.TOO_LONG)
                + " too long, " + count(skipped, SkipReason.EMPTY) + " empty), 32520 tokens, 63 blocks of 512, "
                + "264 tokens dropped", stats.summary(512));

        long[][] blocks = batch.toArray();
        for (int b = 0; b < blocks.length; b++) {
            int at = 0;
            for (JsonNode segment : golden.get("blocks").get(b)) {
                int record = segment.get(0).asInt();
                int start = segment.get(1).asInt();
                for (int p = 0; p < segment.get(2).asInt(); p++) {
                    assertEquals(token(record, start + p), blocks[b][at++], "block " + b + " position " + at);
                }
            }
            assertEquals(512, at, "block " + b + " segments");
            long[] firstLast = new long[8];
            System.arraycopy(blocks[b], 0, firstLast, 0, 4);
            System.arraycopy(blocks[b], 508, firstLast, 4, 4);
            assertArrayEquals(longs(golden.get("block_first4_last4_ids").get(b)), firstLast, "block " + b);
        }
    }

    @Test
    void aSetShorterThanOneBlockIsAOneLineErrorNamingIt() {
        List<String> few = records.subList(0, 3);
        UserException e = assertThrows(UserException.class,
                () -> SensitivityCalibration.build("pileval", few, text -> new long[] {1, 2, 3}));
        assertEquals("pileval: the calibration records hold 9 tokens (3 kept of 3), fewer than one block of 512",
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void settingsAreOverridableAndPythonsStripIsUsed() {
        List<String> texts = List.of("\u00a0a\u0085", "bb", "", "ccc\u2029");
        List<String> seen = new ArrayList<>();
        Batch batch = SensitivityCalibration.build("tiny", texts, text -> {
            seen.add(text);
            return text.chars().mapToLong(c -> c).toArray();
        }, new SensitivityCalibration.Settings(2, 1, 2, 0));
        int[] order = HfShuffle.permutation(0, texts.size());
        assertEquals(Arrays.stream(order).limit(seen.size()).mapToObj(i -> List.of("a", "bb", "", "ccc").get(i))
                .toList(), seen);
        assertEquals(2, batch.stats().kept().size());
        assertEquals(batch.stats().totalTokens(), batch.blocks());
    }

    /** The fixture's records as ids, recording which records it was asked for. */
    private static Function<String, long[]> encoder(List<Integer> visited) {
        return text -> {
            if (!text.startsWith("record ")) {
                throw new AssertionError("not stripped: '" + text + "'");
            }
            int record = Integer.parseInt(text.substring("record ".length()));
            visited.add(record);
            return IntStream.range(0, lengths[record]).mapToLong(p -> token(record, p)).toArray();
        };
    }

    private static long token(int record, int position) {
        return position == 0 ? 1 : 3 + (record * 31L + position * 7L) % 997;
    }

    private static long count(List<Skipped> skipped, SkipReason reason) {
        return skipped.stream().filter(s -> s.reason() == reason).count();
    }

    private static List<Integer> list(JsonNode array) {
        return Arrays.stream(Fixtures.ints(array)).boxed().toList();
    }

    private static long[] longs(JsonNode array) {
        return Arrays.stream(Fixtures.ints(array)).asLongStream().toArray();
    }
}
