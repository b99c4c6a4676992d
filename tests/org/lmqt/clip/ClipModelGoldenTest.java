package org.lmqt.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lmqt.TestData;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;

/**
 * Every output of {@code fixtures/clip/<model>/golden.safetensors}, for both tiny CLIPs in both layouts, within the
 * fixture README's tolerance (hidden states, pooled outputs, features 1e-5; embeds 2e-6; logits 1e-4).
 */
class ClipModelGoldenTest {

    static Stream<Arguments> cases() {
        return Stream.of("tiny-clip-quickgelu", "tiny-clip-gelu").flatMap(m ->
                Stream.of(ClipLayout.HF, ClipLayout.OPEN_CLIP).map(l -> Arguments.of(m, l)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesGolden(String model, ClipLayout layout) {
        Path dir = TestData.shared("fixtures/clip/" + model);
        try (SafetensorsFile golden = SafetensorsFile.open(dir.resolve("golden.safetensors"));
             ClipWeights w = ClipWeights.open(dir, layout, Optional.empty(), null);
             ClipModel m = ClipModel.load(w, ComputeDevice.CPU)) {
            assertEquals(layout, m.config().layout());
            float[] pixels = golden.tensor("pixel_values").data();       // [3, 3, 32, 32]
            long[] flatIds = golden.longs("input_ids");                  // [4, 16]
            long[][] ids = new long[4][16];
            for (int r = 0; r < 4; r++) {
                System.arraycopy(flatIds, r * 16, ids[r], 0, 16);
            }
            TowerOutput img = m.encodeImages(pixels, 3);
            TowerOutput txt = m.encodeTexts(ids);
            close(golden, "vision_last_hidden_state", img.lastHidden(), 1e-5);
            close(golden, "vision_pooled", img.pooled(), 1e-5);
            close(golden, "image_features", img.features(), 1e-5);
            close(golden, "text_last_hidden_state", txt.lastHidden(), 1e-5);
            close(golden, "text_pooled", txt.pooled(), 1e-5);
            close(golden, "text_features", txt.features(), 1e-5);
            close(golden, "image_embeds", img.embeds(), 2e-6);
            close(golden, "text_embeds", txt.embeds(), 2e-6);
            float[] perImage = m.logitsPerImage(img, txt);               // [3, 4]
            close(golden, "logits_per_image", perImage, 1e-4);
            float[] perText = m.logitsPerImage(txt, img);                // [4, 3]
            close(golden, "logits_per_text", perText, 1e-4);
            // the same prompt padded with zeros and with eos pools to the same vector (causal mask)
            for (int j = 0; j < 48; j++) {
                assertEquals(txt.pooled()[j], txt.pooled()[48 + j], 1e-6, "pooled rows 0 and 1");
            }
            long[] eos = golden.longs("eos_positions");
            for (int r = 0; r < 4; r++) {
                assertEquals(eos[r], m.config().pooling().position(ids[r], m.config().eosTokenId()));
            }
        }
    }

    private static void close(SafetensorsFile golden, String name, float[] actual, double tol) {
        float[] expected = golden.tensor(name).data();
        assertEquals(expected.length, actual.length, name + " length");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= tol, name + ": max abs error " + worst + " > " + tol);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void bothLayoutsReadTheSameTensors(String model) {
        Path dir = TestData.shared("fixtures/clip/" + model);
        try (ClipWeights hf = ClipWeights.open(dir, ClipLayout.HF, Optional.empty(), null);
             ClipWeights oc = ClipWeights.open(dir, ClipLayout.OPEN_CLIP, Optional.empty(), null)) {
            for (String name : new String[] {"vision_model.encoder.layers.1.self_attn.k_proj.weight",
                    "text_model.encoder.layers.0.self_attn.v_proj.bias", "visual_projection.weight",
                    "text_projection.weight", "text_model.encoder.layers.1.mlp.fc2.weight"}) {
                assertArrayEquals(hf.tensor(name).shape(), oc.tensor(name).shape(), name);
                assertArrayEquals(hf.tensor(name).data(), oc.tensor(name).data(), name);
            }
            assertEquals(hf.clip().vision(), oc.clip().vision());
            assertEquals(hf.clip().text(), oc.clip().text());
        }
    }

    @Test
    void oldHfConfigsWithEosTwoPoolAtTheArgmax(@TempDir Path tmp) throws Exception {
        Path src = TestData.shared("fixtures/clip/tiny-clip-gelu");
        Path dir = tmp.resolve("old-config");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), Files.readString(src.resolve("config.json"))
                .replace("\"eos_token_id\": 99", "\"eos_token_id\": 2"));
        Files.createSymbolicLink(dir.resolve("model.safetensors"), src.resolve("model.safetensors"));
        try (SafetensorsFile golden = SafetensorsFile.open(src.resolve("golden.safetensors"));
             ClipWeights w = ClipWeights.open(dir);
             ClipModel m = ClipModel.load(w, ComputeDevice.CPU)) {
            assertEquals(TextPooling.ARGMAX, m.config().pooling());
            long[] flat = golden.longs("input_ids");
            long[][] ids = new long[4][];
            for (int r = 0; r < 4; r++) {
                ids[r] = java.util.Arrays.copyOfRange(flat, r * 16, r * 16 + 16);
            }
            close(golden, "text_features", m.encodeTexts(ids).features(), 1e-5);
        }
    }

    @Test
    void aMissingLayoutIsAOneLineError(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("hf-only");
        Files.createDirectories(dir);
        Path src = TestData.shared("fixtures/clip/tiny-clip-gelu");
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Files.createSymbolicLink(dir.resolve("model.safetensors"), src.resolve("model.safetensors"));
        UserException e = assertThrows(UserException.class,
                () -> ClipWeights.open(dir, ClipLayout.OPEN_CLIP, Optional.empty(), null));
        assertTrue(e.getMessage().endsWith("hf-only: no open_clip_config.json with open_clip_model.safetensors (not a "
                + "CLIP folder in the open_clip layout)"), e.getMessage());
        try (ClipWeights w = ClipWeights.open(dir)) {
            assertEquals(ClipLayout.HF, w.clip().layout());
        }
    }

    static Stream<String> models() {
        return Stream.of("tiny-clip-quickgelu", "tiny-clip-gelu");
    }
}
