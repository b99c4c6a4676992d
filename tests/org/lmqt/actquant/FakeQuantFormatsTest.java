package org.lmqt.actquant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.quant.act.FakeQuantFormats;
import org.lmqt.quant.fp.FloatFormat;
import org.lmqt.quant.fp.LlmcFloatQuantizer;
import org.lmqt.quant.fp.MxFormat;
import org.lmqt.quant.fp.MxQuantizer;
import org.lmqt.quant.smoothquant.W8A8;
import org.lmqt.quant.zeroquant.DeepSpeedQuantizer;

/** The format names resolve to the reference quantizers, with the documented bits per weight. */
class FakeQuantFormatsTest {
    private static final MatrixKey KEY = new MatrixKey(0, "self_attn.q_proj");

    private static float[] random(int n) {
        Random r = new Random(11);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @Test
    void namesResolveToTheReferenceQuantizers() {
        float[] x = random(4 * 64);   // [4, 64]
        assertArrayEquals(W8A8.activationPerToken(x, 64), FakeQuantFormats.activation("int8").quantizer().apply(KEY, x, 64));
        assertArrayEquals(W8A8.activationPerTensor(x), FakeQuantFormats.activation("int8-tensor").quantizer().apply(KEY, x, 64));
        assertArrayEquals(new DeepSpeedQuantizer(8, false).perToken(x, 64),
                FakeQuantFormats.activation("zq-int8-asym").quantizer().apply(KEY, x, 64));
        assertArrayEquals(LlmcFloatQuantizer.perRow(FloatFormat.E5M2, LlmcFloatQuantizer.Granularity.PER_TOKEN, true)
                .fakeQuantize(x, 4, 64), FakeQuantFormats.activation("e5m2-qtorch").quantizer().apply(KEY, x, 64));
        assertArrayEquals(new MxQuantizer(MxFormat.FP8_E5M2, MxQuantizer.Rounding.EVEN, 32).fakeQuantize(x, 4, 64),
                FakeQuantFormats.activation("mxfp8-e5m2-even").quantizer().apply(KEY, x, 64));
        assertArrayEquals(new DeepSpeedQuantizer(4, true).fakeQuantize(x, 2),
                FakeQuantFormats.weight("zq-int4-g2").apply(x, 4, 64));
        assertArrayEquals(new LlmcFloatQuantizer(FloatFormat.E2M1, LlmcFloatQuantizer.Granularity.PER_GROUP, 32, false)
                .fakeQuantize(x, 4, 64), FakeQuantFormats.weight("e2m1-g32").apply(x, 4, 64));
        assertEquals(8, FakeQuantFormats.activation("mxfp8").bits());
        assertEquals(4, FakeQuantFormats.activation("mxfp4").bits());
        assertEquals(6, FakeQuantFormats.activation("mxfp6-e2m3").bits());
    }

    @Test
    void bitsPerWeightCountCodesAndScales() {
        assertEquals(8.25, FakeQuantFormats.weight("int8-channel").bitsPerWeight(4, 64));   // fp16 scale per row
        assertEquals(4.125, FakeQuantFormats.weight("zq-int4-g2").bitsPerWeight(4, 64));    // 2 fp16 scales / 256
        assertEquals(4.25, FakeQuantFormats.weight("mxfp4").bitsPerWeight(4, 64));          // E8M0 per 32
        assertEquals(4.5, FakeQuantFormats.weight("e2m1-g32").bitsPerWeight(4, 64));
        assertEquals(8 + 2.0 * 16 / 64, FakeQuantFormats.weight("qli-int8").bitsPerWeight(4, 64));
    }

    @Test
    void recipesAndTheirErrors() {
        FakeQuantRecipe qli = FakeQuantRecipe.zeroquant("qli");
        assertEquals("zq-int8-g4096", qli.weights().apply(KEY).orElseThrow().name());
        assertEquals("zq-int4-g4096", qli.weights().apply(new MatrixKey(0, "mlp.down_proj")).orElseThrow().name());
        // qllm-infer's geometry: 4096 row-major groups (here 2 elements each), which must divide the matrix
        float[] w = random(16 * 512);
        assertArrayEquals(new DeepSpeedQuantizer(8, true).fakeQuantize(w, 4096),
                qli.weights().apply(KEY).orElseThrow().apply(w, 16, 512));
        var reshape = assertThrows(IllegalArgumentException.class,
                () -> qli.weights().apply(KEY).orElseThrow().apply(random(100), 10, 10));
        assertTrue(reshape.getMessage().contains("into 4096 groups"), reshape.getMessage());
        assertTrue(FakeQuantRecipe.floats(FakeQuantRecipe.FloatFamily.FP8, "e4m3-w").activations().isEmpty(),
                "-w: weights only");
        assertEquals("mxfp4-e2m1-even", FakeQuantRecipe.floats(FakeQuantRecipe.FloatFamily.MXFP4, "e2m1-even")
                .activations().orElseThrow().name());
        for (String bad : List.of("e4m3-even", "e2m1", "e4m3-g64-x")) {
            assertThrows(IllegalArgumentException.class, () -> FakeQuantRecipe.floats(FakeQuantRecipe.FloatFamily.FP8, bad),
                    bad);
        }
        assertThrows(IllegalArgumentException.class, () -> FakeQuantRecipe.floats(FakeQuantRecipe.FloatFamily.MXFP8,
                "e4m3-qtorch"));
        assertThrows(IllegalArgumentException.class, () -> FakeQuantRecipe.zeroquant("w2a8"));
        var e = assertThrows(IllegalArgumentException.class, () -> SmoothQuantConfig.parse("w8a8-a-0.2"));
        assertTrue(e.getMessage().contains("w8a8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FakeQuantFormats.weight("int8-token"));
        assertThrows(IllegalArgumentException.class, () -> FakeQuantFormats.activation("fp8-block"));
    }
}
