package org.lmqt.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;

class CheckpointTest {
    static final Path GQA = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");

    @TempDir
    Path dir;

    @Test
    void readsTheFixtureConfigAndBf16Weights() {
        try (Checkpoint c = Checkpoint.open(GQA)) {
            ModelConfig cfg = c.config();
            assertEquals("LlamaForCausalLM", cfg.architecture());
            assertEquals(4, cfg.numHeads());
            assertEquals(2, cfg.numKvHeads());
            assertEquals(ModelFamily.LLAMA, c.family());
            Tensor q = c.tensor("model.layers.0.self_attn.q_proj.weight");
            assertEquals(DType.BF16, q.storage());
            assertArrayEquals(new int[] {cfg.numHeads() * cfg.headDim(), cfg.hiddenSize()}, q.shape());
            for (float v : q.data()) {
                assertEquals(v, Floats.bf16ToFloat(Floats.floatToBf16(v)), 0f, "bf16 values are exact in float32");
            }
            assertEquals("tiny-llama-gqa-bf16", c.shortId());
        }
    }

    @Test
    void shardedCheckpointsReadThroughTheIndex() throws IOException {
        Files.copy(GQA.resolve("config.json"), dir.resolve("config.json"));
        new SafetensorsWriter().put("a", DType.F32, new int[] {2}, new float[] {1, 2}).write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().put("b", DType.F16, new int[] {1}, new float[] {3}).write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\":{},\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}}");
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertArrayEquals(new float[] {1, 2}, c.tensor("a").data());
            assertArrayEquals(new float[] {3}, c.tensor("b").data());
            CheckpointException e = assertThrows(CheckpointException.class, () -> c.tensor("model.norm.weight"));
            assertTrue(e.getMessage().contains("lacks tensor 'model.norm.weight'"), e.getMessage());
        }
    }

    @Test
    void hubCacheResolvesRefsMain() throws IOException {
        Path repo = dir.resolve("models--acme--tiny");
        Path snap = Files.createDirectories(repo.resolve("snapshots/abc123"));
        Files.createDirectories(repo.resolve("snapshots/old"));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), "abc123\n");
        assertEquals(snap, HubCache.resolve("acme/tiny", dir));
        assertEquals("tiny", HubCache.shortId("acme/tiny", snap));
        CheckpointException e = assertThrows(CheckpointException.class, () -> HubCache.resolve("acme/other", dir));
        assertTrue(e.getMessage().contains("not in the Hugging Face cache"), e.getMessage());
    }

    @Test
    void badFoldersGiveOneLineErrors() throws IOException {
        assertThrows(CheckpointException.class, () -> Checkpoint.open(dir.resolve("missing")));
        CheckpointException noConfig = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(noConfig.getMessage().contains("no config.json"), noConfig.getMessage());
        Files.writeString(dir.resolve("config.json"), "{not json");
        CheckpointException badJson = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(badJson.getMessage().contains("invalid JSON"), badJson.getMessage());
        Files.copy(GQA.resolve("config.json"), dir.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CheckpointException noWeights = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(noWeights.getMessage().contains("no model.safetensors"), noWeights.getMessage());
    }

    @Test
    void unsupportedArchitecture() throws IOException {
        String cfg = Files.readString(GQA.resolve("config.json")).replace("LlamaForCausalLM", "GPT2LMHeadModel");
        Files.writeString(dir.resolve("config.json"), cfg);
        Files.copy(GQA.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        try (Checkpoint c = Checkpoint.open(dir)) {
            CheckpointException e = assertThrows(CheckpointException.class, c::family);
            assertTrue(e.getMessage().contains("unsupported architecture 'GPT2LMHeadModel'"), e.getMessage());
        }
    }
}
