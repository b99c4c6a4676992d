package org.lmqt.metadata;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.device.ComputeDevice;
import picocli.CommandLine.Option;

/**
 * The options and loop shared by {@code dump-fnorm}, {@code dump-kurtosis} and {@code dump-wdist} (the original's
 * {@code dump.py fnorm|kurtosis}): {@code --model} one or more paths or HF ids, {@code --output-dir}.
 */
public abstract class DumpCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, arity = "1..*", paramLabel = "DIR|HF-ID",
            description = "Model folders or Hugging Face ids in the local HF cache (one or more).")
    protected List<String> models;

    @Option(names = "--output-dir", paramLabel = "DIR", description = "Where the CSVs go (default: ${DEFAULT-VALUE}).")
    protected Path outputDir = Path.of("data");

    @Option(names = "--threads", description = "Worker threads (default: all cores, ${DEFAULT-VALUE}).")
    protected int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--force", description = "Recompute models whose CSV is already complete.")
    protected boolean force;

    @Option(names = "--device", paramLabel = "cpu|cuda",
            description = "Where the FNorm quantizer runs (default: $" + ComputeDevice.ENV + ", else cpu).")
    protected String device;

    /** The table this command writes. */
    protected abstract MetadataKind kind();

    @Override
    public Integer call() {
        ComputeDevice dev = device == null ? ComputeDevice.fromEnvironment() : ComputeDevice.parse(device);
        for (String model : models) {
            java.nio.file.Path dir = org.lmqt.checkpoint.HubCache.resolve(model);
            if (org.lmqt.clip.ClipLayout.isClipFolder(dir)) {
                // CLIP (either layout): the original's ViT tables
                try (org.lmqt.clip.ClipWeights w = org.lmqt.clip.ClipWeights.open(dir)) {
                    print(ClipMetadata.write(kind(), w, org.lmqt.checkpoint.HubCache.shortId(model, dir), outputDir,
                            threads, force, dev));
                }
                continue;
            }
            try (Checkpoint ckpt = Checkpoint.open(model)) {
                print(MetadataDump.write(kind(), ckpt, outputDir, threads, force, dev));
            }
        }
        return 0;
    }

    /** One line per model: rows and seconds, or that a complete table was kept. */
    protected static void print(MetadataDump.Outcome o) {
        System.out.println(o.skipped()
                ? o.file() + ": complete, skipped (use --force to recompute)"
                : String.format("%s: %d rows in %.1f s", o.file(), o.rows(), o.seconds()));
    }
}
