package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.Perplexity;
import org.lmqt.model.QuantizedSnapshot;
import org.lmqt.mxq.MxqOptions;

class ModelRunnerTest {
    @TempDir
    Path tmp;

    @Test
    void quantTaskWritesASnapshotThatTheStorageTaskReusesAndMeasures() throws Exception {
        Path model = tmp.resolve("tiny");
        new TinyLlama(2, 256, 512, 4, 2, 512, 512, 10000.0, false, DType.BF16, 3).write(model);
        Path snapshots = tmp.resolve("snap");
        ModelRunner runner = new ModelRunner(new ModelRunner.Settings(snapshots, snapshots.resolve("fnorm"),
                MxqOptions.DEFAULTS, PplDataset.ORIGINAL, new Perplexity(64, 32), OptionalInt.empty(),
                ComputeDevice.parse("cpu"), 1));
        ModelRef ref = ModelRef.parse(model.toString());
        Subtask quant = new Subtask(ref, "4_25", Task.QUANT, Algo.MXQ);
        Path dir = quant.snapshotDir(snapshots);
        assertEquals(snapshots.resolve("local/tiny-4_25-mxq"), dir);
        assertTrue(runner.note(quant).startsWith("quantizes into"));

        ResultRow q = runner.run(quant);
        assertInstanceOf(Double.class, q.metrics().get("quant_duration"));
        assertTrue(QuantizedSnapshot.isSnapshot(dir));
        assertTrue(Files.isRegularFile(snapshots.resolve("fnorm/fnorm-tiny.csv")), "FNorm table computed");
        assertEquals(0L, q.metrics().get("model_storage_size"));

        Subtask storage = new Subtask(ref, "4_25", Task.EVAL_MODEL_STORAGE, Algo.MXQ);
        assertTrue(runner.note(storage).startsWith("snapshot cached"));
        ResultRow s = runner.run(storage);
        assertEquals(0L, s.metrics().get("quant_duration"), "cached snapshot: no quantization");
        assertEquals(Files.size(dir.resolve(QuantizedSnapshot.FILE)), s.metrics().get("model_storage_size"));
        assertEquals(s.metrics().get("load_mem_allot"), s.metrics().get("load_mem_reserved"));

        ResultRow fp16 = runner.run(new Subtask(ref, "base", Task.EVAL_MODEL_STORAGE, Algo.FP16));
        assertEquals(Files.size(model.resolve("model.safetensors")), fp16.metrics().get("model_storage_size"));
        assertTrue((Long) fp16.metrics().get("model_storage_size") > (Long) s.metrics().get("model_storage_size"));
        try (var files = Files.list(dir.getParent())) {
            assertEquals(List.of(dir), files.toList(), "no temporary snapshot folder left");
        }
    }
}
