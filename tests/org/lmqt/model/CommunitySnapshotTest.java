package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lmqt.TestData;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.Floats;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.SafetensorsWriter;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.layerwise.CalibratedQuantization;
import org.lmqt.quant.CommunityFormat;
import org.lmqt.quant.Hqq;
import org.lmqt.quant.Int8Matrix;
import org.lmqt.quant.Nf4Matrix;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.QuantPlan;
import org.lmqt.quant.QuantizedMatrix;
import org.lmqt.quant.awq.AwqMatrix;
import org.lmqt.quant.gptq.GptqMatrix;

/**
 * GPTQ, AWQ and bitsandbytes snapshots in the layouts other tools load: a tiny model quantized in memory, saved, and
 * loaded back gives the same matrices (codes, zeros, fp16 scales, group indices) and bit-identical logits; the config
 * files declare the format as transformers expects; corrupt tensors are one-line errors naming the tensor.
 */
class CommunitySnapshotTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static final Path GQA = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");
    private static final long[] IDS = {1, 17, 200, 3, 45, 45, 99, 7, 250, 12};
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Three windows of 64 seeded ids: enough for a Hessian of the tiny model's 64 and 176 inputs. */
    private static long[][] windows() {
        SplittableRandom rnd = new SplittableRandom(7);
        long[][] w = new long[3][64];
        for (long[] row : w) {
            for (int t = 0; t < row.length; t++) {
                row[t] = 3 + rnd.nextInt(253);
            }
        }
        return w;
    }

    /** The fixture quantized in memory with {@code method} at {@code config}. */
    private static WeightSource quantized(Checkpoint ckpt, QuantMethod method, QuantConfig config) {
        if (method.isCalibrated()) {
            return CalibratedQuantization.quantize(method, ckpt, config, windows(), ComputeDevice.CPU, l -> { });
        }
        return new QuantizedWeights(ckpt, QuantPlan.uniform(method, config), Hqq.parallel());
    }

    @ParameterizedTest
    @CsvSource({"GPTQ,b4g32,gptq", "GPTQ,b8g64,gptq", "GPTQ,b2g64,gptq", "AWQ,b4g16,awq", "NF4,b4g64,bitsandbytes",
            "INT8,b8g128,bitsandbytes"})
    void savedAndLoadedBackGivesTheSameMatricesAndLogits(QuantMethod method, String configName, String quantMethod)
            throws Exception {
        QuantConfig config = QuantConfig.parse(configName);
        Path out = tmp.resolve("snap");
        float[] inMemory;
        try (Checkpoint ckpt = Checkpoint.open(GQA); WeightSource q = quantized(ckpt, method, config)) {
            CommunitySnapshot.save(ckpt, q, CommunityFormat.forMethod(method, config), out, p -> { });
            try (LlamaModel m = LlamaModel.load(q, ComputeDevice.CPU)) {
                inMemory = m.logits(IDS);
            }
            // every matrix reads back as it was quantized (GPTQ/AWQ scales as the fp16 the layout stores)
            try (WeightSource back = CommunitySnapshot.source(out)) {
                for (int layer = 0; layer < ckpt.config().numLayers(); layer++) {
                    for (String module : ckpt.family().linearModules()) {
                        MatrixKey key = new MatrixKey(layer, module);
                        assertSameMatrix(q.quantized(key).orElseThrow(), back.quantized(key).orElseThrow(), key);
                    }
                }
            }
        }
        try (LoadedModel m = LoadedModel.open(out.toString(), ComputeDevice.CPU)) {
            assertArrayEquals(inMemory, m.model().logits(IDS), "logits of the loaded snapshot");
            assertTrue(m.tokenizer().isEmpty() == !Files.exists(GQA.resolve("tokenizer.json")));
        }
        try (LoadedModel plain = LoadedModel.open(GQA.toString(), ComputeDevice.CPU)) {
            assertFalse(Arrays.equals(inMemory, plain.model().logits(IDS)), "quantization changes the logits");
        }
        JsonNode qc = JSON.readTree(out.resolve("config.json").toFile()).path("quantization_config");
        assertEquals(quantMethod, qc.path("quant_method").asText());
        switch (method) {
            case GPTQ -> {
                assertEquals(config.bits(), qc.path("bits").asInt());
                assertEquals(config.group(), qc.path("group_size").asInt());
                JsonNode side = JSON.readTree(out.resolve("quantize_config.json").toFile());
                assertEquals("gptq", side.path("checkpoint_format").asText());
                assertTrue(side.path("sym").asBoolean());
            }
            case AWQ -> {
                assertEquals("gemm", qc.path("version").asText());
                assertEquals(16, JSON.readTree(out.resolve("quant_config.json").toFile()).path("q_group_size").asInt());
            }
            case NF4 -> assertEquals("nf4", qc.path("bnb_4bit_quant_type").asText());
            default -> assertTrue(qc.path("load_in_8bit").asBoolean());
        }
        // the norms, embeddings and head keep the checkpoint's dtype (AWQ's scaled norms stay float32)
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve(CommunitySnapshot.FILE))) {
            assertEquals(DType.BF16, f.entry("model.embed_tokens.weight").dtype());
            assertEquals(method == QuantMethod.AWQ ? DType.F32 : DType.BF16,
                    f.entry("model.layers.0.input_layernorm.weight").dtype());
            assertEquals("pt", f.metadata().get("format"));
        }
    }

    private static void assertSameMatrix(QuantizedMatrix expected, QuantizedMatrix actual, MatrixKey key) {
        assertArrayEquals(expected.shape(), actual.shape(), key + " shape");
        switch (expected) {
            case GptqMatrix g -> {
                GptqMatrix b = assertInstanceOf(GptqMatrix.class, actual);
                assertArrayEquals(g.codes(), b.codes(), key + " codes");
                assertArrayEquals(g.zeros(), b.zeros(), key + " zeros");
                assertArrayEquals(g.gIdx(), b.gIdx(), key + " g_idx");
                assertArrayEquals(half(g.scales()), b.scales(), key + " scales");
                assertEquals(g.group(), b.group());
            }
            case AwqMatrix a -> {
                AwqMatrix b = assertInstanceOf(AwqMatrix.class, actual);
                assertArrayEquals(a.codes(), b.codes(), key + " codes");
                assertArrayEquals(a.zeros(), b.zeros(), key + " zeros");
                assertArrayEquals(half(a.scales()), b.scales(), key + " scales");
            }
            case Nf4Matrix n -> {
                Nf4Matrix b = assertInstanceOf(Nf4Matrix.class, actual);
                assertArrayEquals(n.packed(), b.packed(), key + " codes");
                assertArrayEquals(n.absmax().codes(), b.absmax().codes(), key + " nested codes");
                assertArrayEquals(n.absmax().absmax2(), b.absmax().absmax2(), key + " nested maxima");
                assertEquals(n.absmax().offset(), b.absmax().offset(), key + " offset");
                assertEquals(n.dtype(), b.dtype());
            }
            case Int8Matrix i -> {
                Int8Matrix b = assertInstanceOf(Int8Matrix.class, actual);
                assertArrayEquals(i.codes(), b.codes(), key + " codes");
                assertArrayEquals(i.scb(), b.scb(), key + " SCB");
            }
            default -> throw new AssertionError(expected.format());
        }
        assertArrayEquals(expected.dequantize(), actual.dequantize(), key + " deployed weight");
    }

    private static float[] half(float[] x) {
        float[] h = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            h[i] = Floats.toHalf(x[i]);
        }
        return h;
    }

    /** A snapshot whose tensor {@code name} is replaced by {@code bytes} of {@code dtype} and {@code shape}. */
    private Path corrupted(Path good, String name, DType dtype, int[] shape, byte[] bytes) throws Exception {
        Path bad = Files.createDirectories(tmp.resolve("bad"));
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(good.resolve(CommunitySnapshot.FILE))) {
            for (String n : f.entries().keySet()) {
                SafetensorsFile.Entry e = f.entry(n);
                if (n.equals(name)) {
                    w.putBytes(n, dtype, shape, bytes);
                } else {
                    w.putBytes(n, e.dtype(), e.shape(), f.readBytes(n));
                }
            }
        }
        w.write(bad.resolve(CommunitySnapshot.FILE));
        Files.copy(good.resolve("config.json"), bad.resolve("config.json"));
        return bad;
    }

    @ParameterizedTest
    @CsvSource({"GPTQ,b4g32,model.layers.1.mlp.down_proj.qweight", "GPTQ,b4g32,model.layers.0.self_attn.q_proj.scales",
            "AWQ,b4g16,model.layers.0.mlp.up_proj.qzeros", "NF4,b4g64,model.layers.0.self_attn.k_proj.weight.absmax",
            "INT8,b8g128,model.layers.1.self_attn.o_proj.SCB"})
    void aCorruptTensorIsAOneLineErrorNamingIt(QuantMethod method, String configName, String tensor) throws Exception {
        QuantConfig config = QuantConfig.parse(configName);
        Path good = tmp.resolve("good");
        try (Checkpoint ckpt = Checkpoint.open(GQA); WeightSource q = quantized(ckpt, method, config)) {
            CommunitySnapshot.save(ckpt, q, CommunityFormat.forMethod(method, config), good, p -> { });
        }
        int[] shape;
        try (SafetensorsFile f = SafetensorsFile.open(good.resolve(CommunitySnapshot.FILE))) {
            shape = f.entry(tensor).shape();
        }
        // one element short along the first axis, in a two-byte type
        int[] wrong = shape.clone();
        wrong[0] -= 1;
        long n = 1;
        for (int d : wrong) {
            n *= d;
        }
        Path bad = corrupted(good, tensor, DType.I16, wrong, new byte[(int) n * 2]);
        UserException e = assertThrows(UserException.class, () -> LoadedModel.open(bad.toString(), ComputeDevice.CPU));
        assertTrue(e.getMessage().contains("'" + tensor + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("I16"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"GPTQ,b3g32", "AWQ,b3g16"})
    void aShapeOrWidthTheLayoutCannotPackIsAOneLineErrorAndNothingIsWritten(QuantMethod method, String configName) {
        // 3-bit GPTQ packs 32 outputs per 3 words of qzeros (gate/up have 176); AWQ's GEMM packs 4-bit weights only
        QuantConfig config = QuantConfig.parse(configName);
        Path out = tmp.resolve("snap");
        try (Checkpoint ckpt = Checkpoint.open(GQA)) {
            UserException e = assertThrows(UserException.class, () -> {
                try (WeightSource q = quantized(ckpt, method, config)) {
                    CommunitySnapshot.save(ckpt, q, CommunityFormat.forMethod(method, config), out, p -> { });
                }
            });
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        assertFalse(Files.exists(out), "nothing written");
    }

    @ParameterizedTest
    @CsvSource({"GPTQ,b4g32"})
    void aSnapshotIsNotQuantizedAgain(QuantMethod method, String configName) throws Exception {
        QuantConfig config = QuantConfig.parse(configName);
        Path out = tmp.resolve("snap");
        try (Checkpoint ckpt = Checkpoint.open(GQA); WeightSource q = quantized(ckpt, method, config)) {
            CommunitySnapshot.save(ckpt, q, CommunityFormat.forMethod(method, config), out, p -> { });
        }
        UserException e = assertThrows(UserException.class, () -> LoadedModel.open(out.toString(), ComputeDevice.CPU,
                Optional.of(QuantPlan.uniform(QuantMethod.HQQ, new QuantConfig(4, 64)))));
        assertTrue(e.getMessage().contains("already a quantized snapshot"), e.getMessage());
    }
}
