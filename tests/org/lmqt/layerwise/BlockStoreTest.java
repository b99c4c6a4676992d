package org.lmqt.layerwise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.awq.AwqOptions;
import org.lmqt.quant.gptq.GptqMatrix;
import org.lmqt.quant.gptq.GptqQuantizer;

/**
 * A layer-wise run killed after a finished block resumes from the blocks on disk and ends with the matrices of an
 * uninterrupted run; the stored blocks are really used, and a store made for other work starts empty.
 */
class BlockStoreTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static final Path MODEL = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");

    @TempDir
    Path tmp;

    private static long[][] windows(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[][] w = new long[3][48];
        for (long[] row : w) {
            for (int t = 0; t < row.length; t++) {
                row[t] = 3 + rnd.nextInt(253);
            }
        }
        return w;
    }

    /** Thrown by the progress callback to stop a run after its first block, as a kill would. */
    private static final class Killed extends RuntimeException {}

    private static Map<MatrixKey, GptqMatrix> gptq(Checkpoint ckpt, QuantConfig c, long[][] w, BlockStore store,
                                                   boolean killAfterFirst) {
        try (LlamaModel m = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU)) {
            return new GptqModelQuantizer(new GptqQuantizer(), c).quantize(m, WeightSource.of(ckpt), w, layer -> {
                if (killAfterFirst) {
                    throw new Killed();
                }
            }, store);
        }
    }

    @Test
    void aKilledGptqRunResumesWithTheMatricesOfAnUninterruptedOne() throws Exception {
        QuantConfig b4 = new QuantConfig(4, 32);
        long[][] w = windows(1);
        try (Checkpoint ckpt = Checkpoint.open(MODEL)) {
            Map<MatrixKey, GptqMatrix> whole = gptq(ckpt, b4, w, BlockStore.NONE, false);
            String fp = CalibratedQuantization.fingerprint(QuantMethod.GPTQ, b4, ckpt, w);
            BlockStore store = BlockStore.at(tmp.resolve("blocks"), fp);
            assertThrows(Killed.class, () -> gptq(ckpt, b4, w, store, true));
            assertTrue(store.has(0));
            assertFalse(store.has(1), "killed after block 0");
            Map<MatrixKey, GptqMatrix> resumed = gptq(ckpt, b4, w, BlockStore.at(tmp.resolve("blocks"), fp), false);
            assertEquals(whole.keySet(), resumed.keySet());
            for (MatrixKey k : whole.keySet()) {
                assertArrayEquals(whole.get(k).codes(), resumed.get(k).codes(), k + " codes");
                assertArrayEquals(whole.get(k).scales(), resumed.get(k).scales(), k + " scales");
                assertArrayEquals(whole.get(k).zeros(), resumed.get(k).zeros(), k + " zeros");
            }
        }
    }

    @Test
    void storedBlocksAreTakenAsTheyAreAndOtherWorkStartsEmpty() throws Exception {
        long[][] w = windows(2);
        try (Checkpoint ckpt = Checkpoint.open(MODEL)) {
            // block 0 of a b8 run planted into the store of a b4 run is used as it is
            Path b8dir = tmp.resolve("b8");
            QuantConfig b8 = new QuantConfig(8, 32);
            QuantConfig b4 = new QuantConfig(4, 32);
            gptq(ckpt, b8, w, BlockStore.at(b8dir, "b8"), false);
            String fp = CalibratedQuantization.fingerprint(QuantMethod.GPTQ, b4, ckpt, w);
            Path b4dir = tmp.resolve("b4");
            BlockStore.at(b4dir, fp);
            Files.copy(b8dir.resolve("block-0.safetensors"), b4dir.resolve("block-0.safetensors"),
                    StandardCopyOption.REPLACE_EXISTING);
            Map<MatrixKey, GptqMatrix> planted = gptq(ckpt, b4, w, BlockStore.at(b4dir, fp), false);
            assertEquals(8, planted.get(new MatrixKey(0, "self_attn.q_proj")).bits());
            assertEquals(4, planted.get(new MatrixKey(1, "self_attn.q_proj")).bits());
            // another fingerprint (other windows): the store is emptied
            String other = CalibratedQuantization.fingerprint(QuantMethod.GPTQ, b4, ckpt, windows(3));
            assertFalse(other.equals(fp));
            assertFalse(BlockStore.at(b4dir, other).has(0));
        }
    }

    @Test
    void aKilledAwqRunResumesWithTheResultOfAnUninterruptedOne() throws Exception {
        long[][] w = windows(4);
        AwqModelQuantizer awq = new AwqModelQuantizer(AwqOptions.of(AwqOptions.Flavour.AUTOAWQ, 4, 16));
        try (Checkpoint ckpt = Checkpoint.open(MODEL)) {
            List<AwqModelQuantizer.Result> results = new ArrayList<>();
            BlockStore store = BlockStore.at(tmp.resolve("awq"), "awq");
            for (boolean kill : new boolean[] {false, true, false}) {
                try (LlamaModel m = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU)) {
                    BlockStore s = kill || !results.isEmpty() ? store : BlockStore.NONE;
                    try {
                        results.add(awq.quantize(m, WeightSource.of(ckpt), w, layer -> {
                            if (kill) {
                                throw new Killed();
                            }
                        }, s));
                    } catch (Killed expected) {
                        assertTrue(store.has(0) && !store.has(1));
                    }
                }
            }
            AwqModelQuantizer.Result whole = results.get(0);
            AwqModelQuantizer.Result resumed = results.get(1);
            assertEquals(whole.matrices().keySet(), resumed.matrices().keySet());
            whole.matrices().forEach((k, m) -> assertArrayEquals(m.codes(), resumed.matrices().get(k).codes(),
                    k + " codes"));
            whole.norms().forEach((n, v) -> assertArrayEquals(v, resumed.norms().get(n), n));
        }
    }
}
