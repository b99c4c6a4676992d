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
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.SafetensorsWriter;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.quant.Hqq;
import org.lmqt.quant.Int8Matrix;
import org.lmqt.quant.Nf4Matrix;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.QuantPlan;

/**
 * The bitsandbytes formats in the model runtime: a tiny model quantized on the fly with {@code nf4}/{@code int8}
 * gives the logits of a plain checkpoint that holds the dequantized weights (written here with {@link Nf4Matrix} and
 * {@link Int8Matrix} directly), through {@link ModelOptions} as the scripts build the plan; snapshots refuse them.
 */
class BnbModelTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static final Path GQA = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");
    private static final long[] IDS = {1, 17, 200, 3, 45, 45, 99, 7, 250, 12};

    @TempDir
    Path tmp;

    /** The fixture with every linear weight replaced by its dequantized NF4 (fp16) or int8 (float32) weight. */
    private Path dequantizedCheckpoint(QuantMethod method, int block) throws Exception {
        SafetensorsWriter writer = new SafetensorsWriter();
        try (Checkpoint ckpt = Checkpoint.open(GQA)) {
            for (String name : ckpt.tensorNames()) {
                Tensor t = ckpt.tensor(name);
                if (MatrixKey.ofWeight(name, ckpt.family()).isEmpty()) {
                    writer.put(name, t.storage(), t.shape(), t.data());
                } else if (method == QuantMethod.NF4) {
                    writer.put(name, DType.F16, t.shape(), Nf4Matrix.quantize(t.data(), t.shape(), block, DType.F16)
                            .dequantize());
                } else {
                    writer.put(name, DType.F32, t.shape(), Int8Matrix.quantize(t.data(), t.shape()).dequantize());
                }
            }
        }
        Path dir = Files.createDirectories(tmp.resolve("deq"));
        writer.write(dir.resolve("model.safetensors"));
        Files.copy(GQA.resolve("config.json"), dir.resolve("config.json"));
        return dir;
    }

    private static ModelOptions options(String model, String config, QuantMethod method) {
        ModelOptions o = new ModelOptions();
        o.model = model;
        o.device = "cpu";
        o.config = config;
        o.method = method;
        return o;
    }

    @ParameterizedTest
    @CsvSource({"NF4,b4g64,64", "NF4,b4g32,32", "INT8,b8g128,0"})
    void onTheFlyGivesTheLogitsOfTheDequantizedCheckpoint(QuantMethod method, String config, int block)
            throws Exception {
        Path deq = dequantizedCheckpoint(method, block);
        float[] quantized;
        float[] reference;
        float[] plain;
        long packedBytes;
        try (LoadedModel m = options(GQA.toString(), config, method).load()) {
            quantized = m.model().logits(IDS);
            packedBytes = m.model().deviceBytes();
            // LLM.int8's outlier columns depend on every token of a call: such a model cannot split calls
            assertEquals(method != QuantMethod.INT8, m.model().tokenwise());
        }
        try (LoadedModel m = LoadedModel.open(deq.toString(), ComputeDevice.CPU)) {
            reference = m.model().logits(IDS);
        }
        try (LoadedModel m = LoadedModel.open(GQA.toString(), ComputeDevice.CPU)) {
            plain = m.model().logits(IDS);
        }
        if (method == QuantMethod.NF4) {
            assertArrayEquals(reference, quantized);
        } else {
            // LLM.int8 multiplies int8 activations (Int8LtLinear): close to the dequantized weights, not equal
            assertFalse(Arrays.equals(reference, quantized), "int8 activations");
            double worst = 0;
            double spread = 0;
            for (int i = 0; i < reference.length; i++) {
                worst = Math.max(worst, Math.abs(reference[i] - quantized[i]));
                spread = Math.max(spread, Math.abs(reference[i]));
            }
            assertTrue(worst < 0.02 * spread, "int8 matmul off by " + worst + " of " + spread);
        }
        assertFalse(Arrays.equals(plain, quantized), "quantization changes the logits");
        // the dense fallback of LinearFactory.DENSE gives the dequantized checkpoint's logits
        QuantPlan plan = options(GQA.toString(), config, method).plan("x").orElseThrow();
        try (LoadedModel m = LoadedModel.open(GQA.toString(), ComputeDevice.CPU, Optional.of(plan),
                LinearFactory.DENSE)) {
            assertArrayEquals(reference, m.model().logits(IDS));
            // both stay packed in STANDARD: NF4 (PackedNf4Linear) and int8 codes (Int8LtLinear)
            assertTrue(packedBytes < m.model().deviceBytes(), packedBytes + " vs " + m.model().deviceBytes());
        }
    }

    @ParameterizedTest
    @CsvSource({"NF4,b3g64", "NF4,b8g64", "INT8,b4g128"})
    void aBitWidthTheMethodCannotTakeIsAOneLineError(QuantMethod method, String config) {
        UserException e = assertThrows(UserException.class, () -> options(GQA.toString(), config, method).plan("x"));
        assertTrue(e.getMessage().contains(config), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @ParameterizedTest
    @CsvSource({"NF4,b4g64", "INT8,b8g128"})
    void snapshotsRefuseTheBitsandbytesFormatsInOneLine(QuantMethod method, String config) {
        QuantPlan plan = QuantPlan.uniform(method, QuantConfig.parse(config));
        Path out = tmp.resolve("snap");
        try (Checkpoint ckpt = Checkpoint.open(GQA)) {
            UserException e = assertThrows(UserException.class,
                    () -> QuantizedSnapshot.save(ckpt, plan, Hqq.parallel(), out, p -> { }));
            assertTrue(e.getMessage().contains(method.name().toLowerCase()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        assertFalse(Files.exists(out.resolve(QuantizedSnapshot.FILE)), "nothing written");
    }
}
