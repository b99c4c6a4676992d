package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lmqt.TestData;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.quant.Hqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.QuantPlan;

/** Save a quantized snapshot, load it back: the same logits as quantizing in memory. */
class QuantizedSnapshotTest {
    static {
        System.setProperty("lmqt.threads", "1"); // tiny models: one libtorch thread is fastest
    }

    private static final Path GQA = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");
    private static final long[] IDS = {1, 17, 200, 3, 45, 45, 99, 7, 250, 12};

    @TempDir
    Path tmp;

    // the tiny fixture has too few groups for meta group 128, so the scale's meta group is 8 here
    @ParameterizedTest
    @CsvSource({"HQQ,4,64", "RTN,3,32", "HQQ,2,16", "RTN,8,128"})
    void roundTripGivesIdenticalLogits(QuantMethod method, int bits, int group) throws Exception {
        QuantPlan plan = QuantPlan.uniform(method, new QuantConfig(bits, group, 8, 8));
        Path out = tmp.resolve("snap");
        QuantizedSnapshot.Saved saved;
        try (Checkpoint ckpt = Checkpoint.open(GQA)) {
            saved = QuantizedSnapshot.save(ckpt, plan, Hqq.parallel(), out, p -> { });
        }
        assertTrue(Files.isRegularFile(out.resolve("config.json")));
        assertEquals(Files.size(out.resolve(QuantizedSnapshot.FILE)), saved.sizeBytes());
        assertTrue(saved.sizeBytes() < Files.size(GQA.resolve("model.safetensors")),
                "quantized linear layers make the snapshot smaller than the bf16 checkpoint");
        float[] inMemory;
        float[] plain;
        float[] loaded;
        try (LoadedModel m = LoadedModel.open(GQA.toString(), ComputeDevice.CPU, Optional.of(plan))) {
            inMemory = m.model().logits(IDS);
        }
        try (LoadedModel m = LoadedModel.open(GQA.toString(), ComputeDevice.CPU)) {
            plain = m.model().logits(IDS);
        }
        try (LoadedModel m = LoadedModel.open(out.toString(), ComputeDevice.CPU)) {
            loaded = m.model().logits(IDS);
        }
        assertArrayEquals(inMemory, loaded);
        assertFalse(Arrays.equals(plain, loaded), "quantization changes the logits");
    }

    /** Packed layers rebuild the weights inside the forward pass; the logits equal those of the dense layers. */
    @ParameterizedTest
    @CsvSource({"HQQ,4,64", "RTN,3,32", "HQQ,2,16", "HQQ,1,32", "RTN,8,128"})
    void packedLayersGiveTheLogitsOfDenseOnes(QuantMethod method, int bits, int group) {
        QuantPlan plan = QuantPlan.uniform(method, new QuantConfig(bits, group, 8, 8));
        try (Checkpoint ckpt = Checkpoint.open(GQA)) {
            QuantizedSnapshot.save(ckpt, plan, Hqq.parallel(), tmp, p -> { });
        }
        float[] dense;
        long denseBytes;
        try (LoadedModel m = LoadedModel.open(tmp.toString(), ComputeDevice.CPU, Optional.empty(),
                LinearFactory.DENSE)) {
            dense = m.model().logits(IDS);
            denseBytes = m.model().deviceBytes();
        }
        try (LoadedModel m = LoadedModel.open(tmp.toString(), ComputeDevice.CPU)) {
            assertArrayEquals(dense, m.model().logits(IDS));
            assertTrue(m.model().deviceBytes() < denseBytes, m.model().deviceBytes() + " >= " + denseBytes);
        }
        try (LoadedModel m = LoadedModel.open(GQA.toString(), ComputeDevice.CPU, Optional.of(plan))) {
            assertArrayEquals(dense, m.model().logits(IDS), "quantized on the fly, packed");
        }
    }

    @ParameterizedTest
    @CsvSource({"HQQ,4,64"})
    void aSnapshotIsNotQuantizedTwice(QuantMethod method, int bits, int group) {
        QuantPlan plan = QuantPlan.uniform(method, new QuantConfig(bits, group, 8, 8));
        try (Checkpoint ckpt = Checkpoint.open(GQA)) {
            QuantizedSnapshot.save(ckpt, plan, Hqq.parallel(), tmp, p -> { });
        }
        assertThrows(UserException.class, () -> LoadedModel.open(tmp.toString(), ComputeDevice.CPU, Optional.of(plan)));
    }
}
