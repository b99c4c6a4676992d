package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.checkpoint.CheckpointException;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;

/** One-line errors for the inputs the scripts must refuse. */
class BadInputTest {
    static {
        System.setProperty("lmqt.threads", "1"); // tiny models: one libtorch thread is fastest
    }

    private static final Path GQA = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");
    @TempDir
    Path tmp;

    private Path copy() throws IOException {
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(GQA.resolve(f), tmp.resolve(f));
        }
        return tmp;
    }

    @Test
    void unsupportedArchitecture() throws IOException {
        Path dir = copy();
        Files.writeString(dir.resolve("config.json"),
                Files.readString(dir.resolve("config.json")).replace("LlamaForCausalLM", "GPT2LMHeadModel"));
        var e = assertThrows(CheckpointException.class, () -> LoadedModel.open(dir.toString(), ComputeDevice.CPU));
        assertTrue(e.getMessage().contains("GPT2LMHeadModel"), e.getMessage());
    }

    @Test
    void tokenizerLargerThanTheVocabulary() throws IOException {
        Path dir = copy();
        ByteLevelTokenizerJson.write(dir, 300);   // the model has 256 ids
        var e = assertThrows(UserException.class, () -> LoadedModel.open(dir.toString(), ComputeDevice.CPU));
        assertTrue(e.getMessage().contains("vocab_size is 256"), e.getMessage());
    }

    @Test
    void sequenceLongerThanThePositionsAndEmptyInput() {
        try (LoadedModel m = LoadedModel.open(GQA.toString(), ComputeDevice.CPU)) {
            var e = assertThrows(UserException.class, () -> m.model().logits(new long[257]));
            assertTrue(e.getMessage().contains("256 positions"), e.getMessage());
            assertThrows(UserException.class, () -> m.model().logits(new long[0]));
            assertThrows(IllegalArgumentException.class, () -> new Generator(m.model())
                    .generate(new long[250], 10, Sampling.GREEDY));
        }
    }

    @Test
    void emptyTextFile() throws IOException {
        Path f = Files.writeString(tmp.resolve("empty.txt"), "");
        assertThrows(UserException.class, () -> org.lmqt.eval.EvalText.plain(f));
    }
}
