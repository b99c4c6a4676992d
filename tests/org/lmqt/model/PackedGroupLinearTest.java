package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lmqt.TestData;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.device.ComputeDevice;
import org.lmqt.layerwise.CalibratedQuantization;
import org.lmqt.quant.CalibrationInputs;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.awq.AwqMatrix;
import org.lmqt.quant.awq.PseudoQuantizer;
import org.lmqt.quant.gptq.GptqHessian;
import org.lmqt.quant.gptq.GptqMatrix;
import org.lmqt.quant.gptq.GptqOptions;
import org.lmqt.quant.gptq.GptqQuantizer;

/**
 * GPTQ and AWQ layers kept packed on the device rebuild exactly the deployed weight ({@code dequantize()}), act-order
 * groups included, and a model running them gives the logits of the same model with dense layers, in less memory.
 */
class PackedGroupLinearTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static final MatrixKey KEY = new MatrixKey(0, "mlp.up_proj");

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    @ParameterizedTest
    @CsvSource({"2,32,true", "3,32,false", "4,32,true", "4,64,false", "8,32,true"})
    void gptqWeightIsRebuiltBitForBit(int bits, int group, boolean actOrder) {
        Random rnd = new Random(bits * 100 + group);
        int out = 24;
        int in = 96;
        float[] w = gaussian(rnd, out * in);
        float[] x = gaussian(rnd, 256 * in);
        for (int t = 0; t < 256; t++) {
            x[t * in + 5] *= 9;   // a wide channel, so act-order moves it first
        }
        GptqHessian h = GptqHessian.of(new CalibrationInputs(x, 256, in), 128);
        GptqMatrix q = new GptqQuantizer(GptqOptions.DEFAULT.withDescAct(actOrder))
                .quantize(w, new int[] {out, in}, new QuantConfig(bits, group), h).matrix();
        try (NDManager nd = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            PackedGroupLinear l = PackedGroupLinear.of(KEY, q, null, nd, ComputeDevice.CPU);
            assertArrayEquals(q.dequantize(), l.weight().toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                    .toFloatArray());
        }
    }

    @Test
    void awqWeightIsRebuiltBitForBit() {
        Random rnd = new Random(5);
        AwqMatrix q = PseudoQuantizer.quantize(gaussian(rnd, 16 * 128), 16, 128, 4, 32, true);
        try (NDManager nd = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            PackedGroupLinear l = PackedGroupLinear.of(KEY, q, null, nd, ComputeDevice.CPU);
            assertArrayEquals(q.dequantize(), l.weight().toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                    .toFloatArray());
        }
    }

    @ParameterizedTest
    @CsvSource({"GPTQ,b4g32", "AWQ,b4g16"})
    void aModelWithPackedLayersGivesTheDenseLogits(QuantMethod method, String config) {
        Path gqa = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");
        SplittableRandom rnd = new SplittableRandom(3);
        long[][] windows = new long[2][48];
        for (long[] row : windows) {
            for (int t = 0; t < row.length; t++) {
                row[t] = 3 + rnd.nextInt(253);
            }
        }
        long[] ids = {1, 17, 200, 3, 45, 45, 99, 7, 250, 12};
        try (Checkpoint ckpt = Checkpoint.open(gqa);
             WeightSource q = CalibratedQuantization.quantize(method, ckpt, QuantConfig.parse(config), windows,
                     ComputeDevice.CPU, l -> { });
             LlamaModel packed = LlamaModel.load(q, ComputeDevice.CPU, LinearFactory.STANDARD);
             LlamaModel dense = LlamaModel.load(q, ComputeDevice.CPU, LinearFactory.DENSE)) {
            assertArrayEquals(dense.logits(ids), packed.logits(ids));
            assertTrue(packed.deviceBytes() < dense.deviceBytes(), packed.deviceBytes() + " vs " + dense.deviceBytes());
        }
    }
}
