package org.lmqt.metadata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.cli.ProgressBar;
import org.lmqt.device.ComputeDevice;
import org.lmqt.io.AtomicFiles;

/**
 * Writes a metadata table ({@link MetadataKind}) for a checkpoint: reads one matrix at a time, shows a progress
 * bar, writes the CSV atomically, and skips a model whose CSV is already complete (so a killed run resumes).
 * <pre>{@code try (Checkpoint c = Checkpoint.open("meta-llama/Llama-2-7b-hf")) {
 *     MetadataDump.write(MetadataKind.FNORM, c, Path.of("data"), 8, false);
 * }}</pre>
 */
public final class MetadataDump {
    private MetadataDump() {}

    /** What happened to one model. */
    public record Outcome(Path file, boolean skipped, int rows, double seconds) {}

    /**
     * Writes {@code outDir/<kind>-<short>.csv} for {@code ckpt} unless a complete one exists ({@code force} rewrites),
     * on the CPU.
     * Every tensor the family expects must be present; otherwise nothing is written.
     */
    public static Outcome write(MetadataKind kind, Checkpoint ckpt, Path outDir, int threads, boolean force) {
        return write(kind, ckpt, outDir, threads, force, ComputeDevice.CPU);
    }

    /** As {@link #write(MetadataKind, Checkpoint, Path, int, boolean)}, the FNorm quantizer on {@code device}. */
    public static Outcome write(MetadataKind kind, Checkpoint ckpt, Path outDir, int threads, boolean force,
                                ComputeDevice device) {
        Path file = outDir.resolve(kind.fileName(ckpt.shortId()));
        int expected = kind.expectedRows(ckpt);
        if (!force && isComplete(file, kind.header(), expected)) {
            return new Outcome(file, true, expected, 0);
        }
        ModelFamily family = ckpt.family();
        List<MetadataKind.Item> items = kind.items(family, ckpt.config().numLayers());
        // fail before any work when a tensor is missing
        for (MetadataKind.Item it : items) {
            ckpt.entry(family.weightName(it.layer(), it.module()));
        }
        long t0 = System.nanoTime();
        List<String> lines = new ArrayList<>(expected + 1);
        lines.add(kind.header());
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try (ProgressBar bar = new ProgressBar(kind.name().toLowerCase() + " " + ckpt.shortId(), items.size())) {
            for (MetadataKind.Item it : items) {
                lines.addAll(kind.rows(it, ckpt.tensor(family.weightName(it.layer(), it.module())), pool, device));
                bar.step();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        AtomicFiles.writeText(file, w -> {
            for (String l : lines) {
                w.write(l);
                w.write('\n');
            }
        });
        return new Outcome(file, false, lines.size() - 1, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * True when {@code file} has {@code header} (possibly followed by joined columns, as {@code join-metadata}
     * writes them) and {@code rows} data lines.
     */
    static boolean isComplete(Path file, String header, int rows) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (var lines = Files.lines(file)) {
            List<String> head = new ArrayList<>();
            long count = lines.peek(l -> {
                if (head.isEmpty()) {
                    head.add(l);
                }
            }).filter(l -> !l.isBlank()).count();
            return !head.isEmpty() && (head.get(0).equals(header) || head.get(0).startsWith(header + ","))
                    && count == rows + 1L;
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }
}
