package org.lmqt.actquant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.ForwardHook;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.ModelOptions;
import org.lmqt.quant.smoothquant.W8A8;

/** The activation hook hands every linear the reference's fake-quantized input; the script options compose. */
class ActivationQuantHookTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static final Path GQA = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");
    private static final long[] IDS = {1, 17, 200, 3, 45, 45, 99, 7};

    /** Records each linear's input as a hook at its place in the chain sees it. */
    private static final class Recorder implements ForwardHook {
        final Map<String, float[]> seen = new LinkedHashMap<>();

        @Override
        public NDArray linearInput(MatrixKey key, NDArray x) {
            seen.put(key.id(), x.toFloatArray());
            return x;
        }
    }

    @Test
    void everyLinearComputesWithItsQuantizedInput() {
        for (boolean quirk : new boolean[] {false, true}) {
            try (LoadedModel m = LoadedModel.open(GQA.toString(), ComputeDevice.CPU)) {
                float[] plain = m.model().logits(IDS);
                Recorder before = new Recorder();
                Recorder after = new Recorder();
                try (var a = m.model().addHook(before);
                     var b = m.model().addHook(new ActivationQuantHook((k, x, f) -> W8A8.activationPerToken(x, f), quirk));
                     var c = m.model().addHook(after)) {
                    float[] quantized = m.model().logits(IDS);
                    assertFalse(java.util.Arrays.equals(plain, quantized), "fake quantization reaches the logits");
                }
                assertEquals(14, after.seen.size(), "two layers of seven linears");
                for (String id : after.seen.keySet()) {
                    int features = id.endsWith("down_proj") ? 176 : 64;
                    boolean shared = id.endsWith("k_proj") || id.endsWith("v_proj") || id.endsWith("up_proj");
                    float[] expected = W8A8.activationPerToken(before.seen.get(id), features);
                    if (quirk && shared) {
                        // the reference's in-place quirk: k/v (up) quantize q's (gate's) quantized input again
                        String first = id.replace("k_proj", "q_proj").replace("v_proj", "q_proj")
                                .replace("up_proj", "gate_proj");
                        expected = W8A8.activationPerToken(after.seen.get(first), features);
                    }
                    assertArrayEquals(expected, after.seen.get(id), id + (quirk ? " (quirk)" : ""));
                }
            }
        }
    }

    @Test
    void scriptOptionsComposeWeightAndActivationFormats() {
        float[] plain;
        try (LoadedModel m = LoadedModel.open(GQA.toString(), ComputeDevice.CPU)) {
            plain = m.model().logits(IDS);
        }
        ModelOptions o = new ModelOptions();
        o.model = GQA.toString();
        o.device = "cpu";
        o.method = org.lmqt.quant.QuantMethod.INT8;
        o.config = "b8g128";
        o.actQuant = "mxfp8";
        float[] hqqMx;
        try (LoadedModel m = o.load()) {
            hqqMx = m.model().logits(IDS);
        }
        assertEquals("int8 b8g128 + a mxfp8", o.quantLabel());
        o.config = null;
        o.weightQuant = "e4m3";
        o.actQuant = "e4m3";
        float[] fp8;
        try (LoadedModel m = o.load()) {
            fp8 = m.model().logits(IDS);
        }
        assertFalse(java.util.Arrays.equals(plain, hqqMx));
        assertFalse(java.util.Arrays.equals(plain, fp8));
        assertTrue(maxRelative(plain, fp8) < 0.2, "FP8 W8A8 stays close: " + maxRelative(plain, fp8));
        o.actQuant = "fp3";
        var e = assertThrows(UserException.class, o::load);
        assertTrue(e.getMessage().startsWith("--act-quant: unknown fake-quantization format 'fp3'"), e.getMessage());
        o.actQuant = null;
        o.config = "b8g128";
        assertThrows(UserException.class, o::load, "--weight-quant and --config together");
    }

    private static double maxRelative(float[] a, float[] b) {
        double d = 0;
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
            m = Math.max(m, Math.abs(a[i]));
        }
        return d / m;
    }
}
