package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.CheckpointException;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.device.ComputeDevice;
import org.lmqt.layerwise.BlockStore;
import org.lmqt.layerwise.CalibratedQuantization;
import org.lmqt.quant.CommunityFormat;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.gptq.GptqMatrix;

/**
 * A GPTQ model with a config per matrix (an MXQ allocation) saved in GPTQModel's layout with {@code dynamic}
 * overrides: every matrix reads back at its own bits and group size, and the loaded snapshot's logits equal the
 * in-memory quantized model's.
 */
class MixedGptqSnapshotTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aMixedAllocationSavesAndLoadsBackWithIdenticalLogits() throws Exception {
        Path model = tmp.resolve("tiny");
        new TinyLlama(2, 128, 256, 4, 2, 256, 256, 10000.0, false, DType.BF16, 11).write(model);
        Random r = new Random(3);
        long[][] windows = new long[3][32];
        for (long[] w : windows) {
            for (int t = 0; t < w.length; t++) {
                w[t] = 3 + r.nextInt(253);
            }
        }
        List<QuantConfig> cycle = List.of(new QuantConfig(2, 32), new QuantConfig(3, 64), new QuantConfig(4, 128),
                new QuantConfig(8, 32), new QuantConfig(4, 128));
        Map<MatrixKey, QuantConfig> configs = new LinkedHashMap<>();
        Map<String, QuantConfig> byPath = new LinkedHashMap<>();
        Path out = tmp.resolve("snap");
        long[] ids = windows[0];
        float[] inMemory;
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            int i = 0;
            for (int layer = 0; layer < 2; layer++) {
                for (String module : ckpt.family().linearModules()) {
                    MatrixKey key = new MatrixKey(layer, module);
                    configs.put(key, cycle.get(i++ % cycle.size()));
                    byPath.put(key.modulePath(ckpt.family()), configs.get(key));
                }
            }
            try (WeightSource q = CalibratedQuantization.quantizeGptq(Checkpoint.open(model), configs::get, windows,
                    ComputeDevice.CPU, l -> { }, BlockStore.NONE)) {
                CommunitySnapshot.save(ckpt, q, CommunityFormat.Gptq.mixed(new QuantConfig(4, 128), byPath), out,
                        p -> { });
                try (LlamaModel m = LlamaModel.load(q, ComputeDevice.CPU)) {
                    inMemory = m.logits(ids);
                }
            }
        }
        JsonNode qc = JSON.readTree(out.resolve("config.json").toFile()).path("quantization_config");
        assertEquals(4, qc.path("bits").asInt());
        assertEquals(128, qc.path("group_size").asInt());
        // only the modules that differ from the base are listed
        assertEquals(configs.values().stream().filter(c -> !c.equals(new QuantConfig(4, 128))).count(),
                qc.path("dynamic").size());
        assertEquals(qc.path("dynamic"), JSON.readTree(out.resolve("quantize_config.json").toFile()).path("dynamic"));
        try (WeightSource back = CommunitySnapshot.source(out)) {
            for (var e : configs.entrySet()) {
                GptqMatrix g = (GptqMatrix) back.quantized(e.getKey()).orElseThrow();
                assertEquals(e.getValue(), new QuantConfig(g.bits(), g.group()), e.getKey().id());
            }
        }
        try (LoadedModel m = LoadedModel.open(out.toString(), ComputeDevice.CPU)) {
            assertArrayEquals(inMemory, m.model().logits(ids), "logits of the loaded snapshot");
        }
        try (LoadedModel plain = LoadedModel.open(model.toString(), ComputeDevice.CPU)) {
            assertFalse(java.util.Arrays.equals(inMemory, plain.model().logits(ids)));
        }
    }

    /** GPTQModel's rules: the first matching pattern wins, {@code -:} skips, no prefix means {@code +:}. */
    @Test
    void dynamicPatternsResolveAsGptqModelDoes() throws Exception {
        JsonNode config = JSON.readTree("""
                {"quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128, "dynamic": {
                  "-:.*\\\\.layers\\\\.1\\\\.mlp\\\\.down_proj": {},
                  "+:.*\\\\.layers\\\\.1\\\\..*": {"bits": 8},
                  ".*down_proj": {"bits": 2, "group_size": 32}}}}""");
        var f = (CommunityFormat.Gptq) CommunityFormat.of(config, "config.json").orElseThrow();
        assertEquals(new CommunityFormat.Gptq.ModuleConfig(8, 128), f.configOf("model.layers.1.self_attn.q_proj"));
        assertEquals(new CommunityFormat.Gptq.ModuleConfig(2, 32), f.configOf("model.layers.0.mlp.down_proj"));
        assertEquals(new CommunityFormat.Gptq.ModuleConfig(4, 128), f.configOf("model.layers.0.mlp.up_proj"));
        assertEquals(new CommunityFormat.Gptq.ModuleConfig(4, 128), f.configOf("model.layers.1.mlp.down_proj"),
                "skipped modules are not overridden (and stay unquantized in GPTQModel)");
        JsonNode bad = JSON.readTree("""
                {"quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128,
                  "dynamic": {".*q_proj": {"bits": 5}}}}""");
        CheckpointException e = assertThrows(CheckpointException.class, () -> CommunityFormat.of(bad, "config.json"));
        assertEquals("config.json: dynamic pattern '.*q_proj': not a GPTQ module config: 5 bits, group 128",
                e.getMessage());
    }
}
