package org.lmqt.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.metadata.MetadataDump;
import org.lmqt.metadata.MetadataKind;
import org.lmqt.model.ByteLevelTokenizerJson;

/**
 * The README's main job on its embedded default: a tiny Llama checkpoint, then its metadata (FNorm, kurtosis,
 * weight distribution). Later stages (MXQ allocation, quantization, evaluation, figures) are added as the
 * toolkit grows. Every step skips work that is already complete, so a rerun resumes.
 *
 * @param outputDir root of everything the pipeline writes
 * @param model     the tiny model to generate
 * @param threads   worker threads
 */
public record Pipeline(Path outputDir, TinyLlama model, int threads) {

    /** One finished step: its name, what it wrote, and whether it was already done. */
    public record StepResult(String step, Path output, boolean skipped) {}

    public Pipeline {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1");
        }
    }

    /** Folder of the generated checkpoint. */
    public Path modelDir() {
        return outputDir.resolve("tiny-llama");
    }

    /** Folder of the metadata CSVs. */
    public Path dataDir() {
        return outputDir.resolve("data");
    }

    /** Runs every step and returns what each did. */
    public List<StepResult> run() {
        List<StepResult> results = new ArrayList<>();
        // 1. the tiny model with a byte-level tokenizer (each file atomic; config.json last, so it means complete)
        boolean haveModel = Files.isRegularFile(modelDir().resolve("config.json"))
                && Files.isRegularFile(modelDir().resolve("model.safetensors"))
                && Files.isRegularFile(modelDir().resolve("tokenizer.json"));
        if (!haveModel) {
            ByteLevelTokenizerJson.write(modelDir(), model.vocab());
            model.write(modelDir());
        }
        results.add(new StepResult("model", modelDir(), haveModel));
        // 2. metadata tables
        try (Checkpoint ckpt = Checkpoint.open(modelDir())) {
            for (MetadataKind kind : MetadataKind.values()) {
                MetadataDump.Outcome o = MetadataDump.write(kind, ckpt, dataDir(), threads, false);
                results.add(new StepResult(kind.name().toLowerCase(), o.file(), o.skipped()));
            }
        }
        return results;
    }
}
