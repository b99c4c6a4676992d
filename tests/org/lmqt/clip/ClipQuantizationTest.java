package org.lmqt.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.LinearFactory;
import org.lmqt.quant.PackedHqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.QuantPlan;
import org.lmqt.quant.Hqq;

/** HQQ on the CLIP linears through the same factory as the LLMs: MLPs quantized, attention kept, layers packed. */
class ClipQuantizationTest {
    private static final Path DIR = TestData.shared("fixtures/clip/tiny-clip-gelu");

    private static ClipWeights quantized(String cfg) {
        return ClipWeights.open(DIR, ClipLayout.OPEN_CLIP,
                Optional.of(QuantPlan.uniform(QuantMethod.HQQ, QuantConfig.parse(cfg))), Hqq.parallel());
    }

    @Test
    void onlyTheMlpMatricesAreQuantized() {
        try (ClipWeights plain = ClipWeights.open(DIR, ClipLayout.OPEN_CLIP, Optional.empty(), null);
             ClipWeights q = quantized("b4g64")) {
            for (String m : ModelFamily.CLIP.linearModules()) {
                MatrixKey k = new MatrixKey(1, m);
                assertTrue(q.quantized(k).orElseThrow() instanceof PackedHqq, m);
                String name = k.weightName(ModelFamily.CLIP);
                assertFalse(Arrays.equals(plain.tensor(name).data(), q.tensor(name).data()), m);
            }
            for (String m : new String[] {"vision.attn.q_proj", "text.attn.out_proj"}) {
                MatrixKey k = new MatrixKey(0, m);
                assertTrue(q.quantized(k).isEmpty(), m);
                String name = k.weightName(ModelFamily.CLIP);
                assertArrayEquals(plain.tensor(name).data(), q.tensor(name).data(), m);
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(ClipDeployment.class)
    void packedLayersGiveTheDequantizedModelsOutputsAndStayNearFp(ClipDeployment deployment) {
        try (SafetensorsFile golden = SafetensorsFile.open(DIR.resolve("golden.safetensors"));
             ClipWeights q = ClipWeights.open(DIR, ClipLayout.OPEN_CLIP,
                     Optional.of(QuantPlan.uniform(QuantMethod.HQQ, QuantConfig.parse("b4g64"))), Hqq.parallel(),
                     deployment);
             ClipModel packed = ClipModel.load(q, ComputeDevice.CPU, LinearFactory.STANDARD);
             ClipModel dense = ClipModel.load(q, ComputeDevice.CPU, LinearFactory.DENSE)) {
            float[] pixels = golden.tensor("pixel_values").data();
            float[] p = packed.encodeImages(pixels, 3).embeds();
            float[] d = dense.encodeImages(pixels, 3).embeds();
            float[] fp = golden.tensor("image_embeds").data();
            double worst = 0;
            double moved = 0;
            for (int i = 0; i < p.length; i++) {
                worst = Math.max(worst, Math.abs(p[i] - d[i]));
                moved = Math.max(moved, Math.abs(p[i] - fp[i]));
            }
            assertTrue(worst < 1e-5, "packed vs dense " + worst);
            assertTrue(moved > 1e-4, "quantization changed nothing: " + moved);
            // cosine to the fp16 embeddings stays high at 4 bits
            for (int r = 0; r < 3; r++) {
                double dot = 0;
                for (int j = 0; j < 32; j++) {
                    dot += p[r * 32 + j] * fp[r * 32 + j];
                }
                assertTrue(dot > 0.95, "row " + r + " cosine " + dot);
            }
        }
    }

    @Test
    void mxqKeepsRoundZeroForEveryBitWidthAsTheOpenClipPatch() {
        MatrixKey b3 = new MatrixKey(0, "vision.mlp.c_fc");
        MatrixKey b4 = new MatrixKey(1, "vision.mlp.c_fc");
        QuantPlan allocation = QuantPlan.perMatrix(QuantMethod.HQQ,
                java.util.Map.of(b3, QuantConfig.parse("b3g64"), b4, QuantConfig.parse("b4g64")), "mxq test");
        String n3 = b3.weightName(ModelFamily.CLIP);
        String n4 = b4.weightName(ModelFamily.CLIP);
        try (ClipWeights llmStyle = ClipWeights.open(DIR, ClipLayout.HF, Optional.of(allocation), Hqq.parallel());
             ClipWeights vit = ClipWeights.open(DIR, ClipLayout.HF, Optional.of(allocation), Hqq.parallel(),
                     ClipDeployment.OPEN_CLIP_MXQ)) {
            // 4-bit: round_zero either way; 3-bit: only the open_clip patch rounds the zeros
            assertArrayEquals(llmStyle.tensor(n4).data(), vit.tensor(n4).data());
            assertFalse(Arrays.equals(llmStyle.tensor(n3).data(), vit.tensor(n3).data()));
            float[] expected = org.lmqt.quant.HqqLinear.quantize(Hqq.parallel(), vit.stored(n3).data(),
                    vit.stored(n3).shape(), QuantConfig.parse("b3g64"), QuantMethod.HQQ,
                    QuantMethod.HQQ.deploymentSpec(QuantConfig.parse("b3g64")).withRoundZero(true)).dequantize();
            assertArrayEquals(expected, vit.tensor(n3).data());
        }
    }

    @Test
    void vitHqqKeepsTheScalesInFp16() {
        QuantConfig c = QuantConfig.parse("b3g64");
        MatrixKey k = new MatrixKey(1, "text.mlp.c_proj");
        String name = k.weightName(ModelFamily.CLIP);
        try (ClipWeights vit = ClipWeights.open(DIR, ClipLayout.OPEN_CLIP,
                Optional.of(QuantPlan.uniform(QuantMethod.HQQ, c)), Hqq.parallel(), ClipDeployment.OPEN_CLIP_HQQ);
             ClipWeights std = quantized("b3g64")) {
            org.lmqt.checkpoint.Tensor w = vit.stored(name);
            // the codes and steps of the kernel, the steps only rounded to fp16, the zeros meta-quantized globally
            org.lmqt.quant.QuantizedTensor q = Hqq.parallel().apply(w.data(), w.shape(),
                    QuantMethod.HQQ.deploymentSpec(c));
            int m = q.columns();
            float[] zq = Hqq.quantize(q.zero(), new int[] {1, m}, Hqq.Spec.rtn(8, m)).dequantizeHalf();
            float[] expected = new float[w.numel()];
            for (int i = 0, idx = 0; i < c.group(); i++) {
                for (int j = 0; j < m; j++, idx++) {
                    float z = org.lmqt.checkpoint.Floats.toHalf(zq[j]);
                    float step = org.lmqt.checkpoint.Floats.toHalf(q.scale()[j]);
                    expected[idx] = org.lmqt.checkpoint.Floats.toHalf(
                            org.lmqt.checkpoint.Floats.toHalf(q.code(idx) - z) * step);
                }
            }
            assertArrayEquals(expected, vit.tensor(name).data());
            // the LLM deployment meta-quantizes the steps: a different weight
            assertFalse(Arrays.equals(expected, std.tensor(name).data()));
        }
    }

    @Test
    void tinyTextMlpGetsAMetaGroupThatDividesItsGroups() {
        QuantConfig c = QuantConfig.parse("b4g64");
        assertEquals(128, ClipWeights.fittingMetaGroup(c, 256 * 64).metaGroup());   // 256 groups
        assertEquals(72, ClipWeights.fittingMetaGroup(c, 192 * 48).metaGroup());    // 144 groups
        try (ClipWeights q = quantized("b2g32")) {
            PackedHqq h = (PackedHqq) q.quantized(new MatrixKey(0, "text.mlp.c_fc")).orElseThrow();
            assertEquals(96, h.config().metaGroup());                                  // 288 groups
        }
    }
}
