package org.lmqt.actquant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.device.ComputeDevice;
import org.lmqt.lkd.AdamW;
import org.lmqt.lkd.LkdConfig;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.WeightSource;

/** Snapshots of the activation methods load back with the logits of the method run in memory, bit for bit. */
class FakeQuantSnapshotTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static final Path GQA = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");
    private static final long[] IDS = {1, 17, 200, 3, 45, 45, 99, 7, 250, 0, 12};
    private static final LkdConfig LKD = new LkdConfig("last", 2, 2, AdamW.Settings.torch(1e-4, 1e-5));

    private static long[][] windows() {
        Random r = new Random(9);
        long[][] w = new long[3][24];
        for (long[] row : w) {
            for (int i = 0; i < row.length; i++) {
                row[i] = r.nextInt(256);
            }
        }
        return w;
    }

    /** Quantizes, saves, reloads; returns the snapshot folder after checking the logits. */
    private static Path roundTrip(Path tmp, String algo, String config) {
        Path out = tmp.resolve(algo + "-" + config);
        float[] memory;
        try (Checkpoint ckpt = Checkpoint.open(GQA)) {
            var q = FakeQuantMethods.quantize(algo, config, ckpt, ComputeDevice.CPU, FakeQuantSnapshotTest::windows,
                    LKD, FakeQuantMethods.QUIET);
            try (LlamaModel m = LlamaModel.load(q.source(WeightSource.of(ckpt)), ComputeDevice.CPU);
                 var hook = q.activations().install(m)) {
                memory = m.logits(IDS);
            }
            FakeQuantSnapshot.save(ckpt, q.matrices(), q.replaced(), q.activations(), q.method(), out);
        }
        assertTrue(FakeQuantSnapshot.isSnapshot(out));
        try (LoadedModel loaded = LoadedModel.open(out.toString(), ComputeDevice.CPU)) {
            assertArrayEquals(memory, loaded.model().logits(IDS), algo + " " + config + ": logits bit-identical");
        }
        // the unquantized model differs: the snapshot really quantizes
        try (Checkpoint ckpt = Checkpoint.open(GQA); LlamaModel fp = LlamaModel.load(WeightSource.of(ckpt),
                ComputeDevice.CPU)) {
            assertFalse(java.util.Arrays.equals(memory, fp.logits(IDS)), algo + " " + config + " changed nothing");
        }
        return out;
    }

    private static boolean storesCodes(Path snapshot) {
        try (SafetensorsFile f = SafetensorsFile.open(snapshot.resolve(FakeQuantSnapshot.FILE))) {
            return f.contains("model.layers.0.self_attn.q_proj.weight_codes")
                    && !f.contains("model.layers.0.self_attn.q_proj.weight");
        }
    }

    @Test
    void smoothQuantStoresInt8CodesAndItsActivationRecipe(@TempDir Path tmp) throws Exception {
        Path dyn = roundTrip(tmp, "smoothquant", "w8a8");
        assertTrue(storesCodes(dyn), "int8 codes with per-channel steps");
        assertEquals("int8", FakeQuantSnapshot.activations(dyn).format().orElseThrow());
        Path st = roundTrip(tmp, "smoothquant", "w8a8-static-a0.85-attn");
        assertTrue(storesCodes(st));
        var recipe = FakeQuantSnapshot.activations(st);
        assertEquals(14, recipe.staticSteps().size(), "a static step per linear");
        assertEquals(8, recipe.attnMatmulBits());
        // the smoothed norms are stored as float32
        try (SafetensorsFile f = SafetensorsFile.open(st.resolve(FakeQuantSnapshot.FILE))) {
            assertEquals(org.lmqt.checkpoint.DType.F32, f.entry("model.layers.1.input_layernorm.weight").dtype());
        }
        assertTrue(Files.readString(st.resolve(FakeQuantSnapshot.RECIPE)).contains("\"alpha\" : 0.85"));
        assertTrue(storesCodes(roundTrip(tmp, "smoothquant", "w8a8-qli-inplace")), "min-max codes and zeros");
    }

    @Test
    void zeroQuantAndFloatFormats(@TempDir Path tmp) {
        Path w4 = roundTrip(tmp, "zeroquant", "w4a8");
        assertTrue(storesCodes(w4), "4-bit DeepSpeed codes");
        try (SafetensorsFile f = SafetensorsFile.open(w4.resolve(FakeQuantSnapshot.FILE))) {
            var e = f.entry("model.layers.0.mlp.down_proj.weight_codes");
            assertEquals(org.lmqt.checkpoint.DType.U8, e.dtype(), "two 4-bit codes per byte");
            assertArrayEquals(new int[] {64, 88}, e.shape());
        }
        assertTrue(storesCodes(roundTrip(tmp, "zeroquant", "qli-g32")), "8/4-bit DeepSpeed codes in 32 groups");
        assertFalse(storesCodes(roundTrip(tmp, "fp8", "e4m3")), "LLMC float: the values");
        Path mx = roundTrip(tmp, "mxfp4", "e2m1-w");
        assertTrue(FakeQuantSnapshot.activations(mx).isNone(), "weights only");
    }

    @Test
    void nibblesRoundTripSignedAndUnsigned() {
        byte[] codes = {-8, 7, 0, -1, 3, -5, 6, 1};
        assertArrayEquals(codes, FakeQuantSnapshot.unpackNibbles(FakeQuantSnapshot.packNibbles(codes), true));
        byte[] unsigned = {0, 15, 8, 1};
        assertArrayEquals(unsigned, FakeQuantSnapshot.unpackNibbles(FakeQuantSnapshot.packNibbles(unsigned), false));
    }

    @Test
    void zeroQuantLkdKeepsItsDistilledLayer(@TempDir Path tmp) throws Exception {
        Path out = roundTrip(tmp, "zeroquant", "w8a8-lkd");
        assertTrue(storesCodes(out));
        String recipe = Files.readString(out.resolve(FakeQuantSnapshot.RECIPE));
        assertTrue(recipe.contains("\"lkd\"") && recipe.contains("\"steps\" : 2"), recipe);
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve(FakeQuantSnapshot.FILE))) {
            // the distilled layer's norms are replaced (float32), the other layer's are as stored
            assertEquals(org.lmqt.checkpoint.DType.F32, f.entry("model.layers.1.input_layernorm.weight").dtype());
            assertEquals(org.lmqt.checkpoint.DType.BF16, f.entry("model.layers.0.input_layernorm.weight").dtype());
        }
    }
}
