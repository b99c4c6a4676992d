package org.lmqt.metadata;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.ProgressBar;
import org.lmqt.clip.ClipConfig;
import org.lmqt.clip.ClipWeights;
import org.lmqt.device.ComputeDevice;
import org.lmqt.io.AtomicFiles;
import org.lmqt.io.PyFloat;

/**
 * The metadata tables of a CLIP model with the original's ViT schemas (lmqt-spec §4.5, §4.8, §5.1-5.3), from
 * either layout:
 * <ul>
 *   <li>{@code fnorm-<short>.csv}: the FNorm columns of LLMs; the MLPs only, vision tower then text tower, each
 *       layer-major ({@code c_fc}, {@code c_proj}), module labels {@code vision.mlp.c_fc}, ...;</li>
 *   <li>{@code kurtosis-<short>.csv}: {@code module,layer,kurtosis}, module-major in the same module order;</li>
 *   <li>{@code wdist-<short>.csv}: {@code type,module,param_count,layer,percentile_0..100,kurtosis} for the 12
 *       tensor kinds of {@code summarize_vit_percentiles} per block, sorted by tower ({@code text}, {@code vision}),
 *       kind, layer, as the archived tables are. {@code attn.in_proj_*} is the q, k, v rows together (read from a
 *       Hugging Face checkpoint, the three projections concatenated).</li>
 * </ul>
 */
public final class ClipMetadata {
    /** The 12 per-block tensor kinds of the original's ViT weight distribution, alphabetical. */
    public static final List<String> WDIST_KINDS = List.of("attn.in_proj_bias", "attn.in_proj_weight",
            "attn.out_proj.bias", "attn.out_proj.weight", "ln_1.bias", "ln_1.weight", "ln_2.bias", "ln_2.weight",
            "mlp.c_fc.bias", "mlp.c_fc.weight", "mlp.c_proj.bias", "mlp.c_proj.weight");
    /** The ViT kurtosis header. */
    public static final String KURTOSIS_HEADER = "module,layer,kurtosis";
    /** The ViT weight-distribution header. */
    public static final String WDIST_HEADER = "type," + MetadataKind.WDIST.header();

    private ClipMetadata() {}

    /** Writes {@code outDir/<kind>-<shortId>.csv} for a CLIP model unless a complete one exists. */
    public static MetadataDump.Outcome write(MetadataKind kind, ClipWeights w, String shortId, Path outDir,
                                             int threads, boolean force, ComputeDevice device) {
        Path file = outDir.resolve(kind.fileName(shortId));
        String header = header(kind);
        int expected = expectedRows(kind, w.clip());
        if (!force && MetadataDump.isComplete(file, header, expected)) {
            return new MetadataDump.Outcome(file, true, expected, 0);
        }
        long t0 = System.nanoTime();
        List<String> lines = new ArrayList<>(expected + 1);
        lines.add(header);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            switch (kind) {
                case FNORM -> fnorm(w, lines, pool, device, shortId);
                case KURTOSIS -> kurtosis(w, lines, shortId);
                case WDIST -> wdist(w, lines, shortId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        AtomicFiles.writeText(file, out -> {
            for (String l : lines) {
                out.write(l);
                out.write('\n');
            }
        });
        return new MetadataDump.Outcome(file, false, lines.size() - 1, (System.nanoTime() - t0) / 1e9);
    }

    /** The header of a CLIP table. */
    public static String header(MetadataKind kind) {
        return switch (kind) {
            case FNORM -> MetadataKind.FNORM.header();
            case KURTOSIS -> KURTOSIS_HEADER;
            case WDIST -> WDIST_HEADER;
        };
    }

    /** Rows of a complete table. */
    static int expectedRows(MetadataKind kind, ClipConfig c) {
        int layers = c.vision().layers() + c.text().layers();
        return switch (kind) {
            case FNORM -> 2 * layers * MetadataKind.FNORM.rowsPerItem();
            case KURTOSIS -> 2 * layers;
            case WDIST -> WDIST_KINDS.size() * layers;
        };
    }

    /** Layers of the tower a module label ({@code vision.mlp.c_fc}) belongs to. */
    private static int layersOf(String module, ClipConfig c) {
        return module.startsWith("vision.") ? c.vision().layers() : c.text().layers();
    }

    private static void fnorm(ClipWeights w, List<String> lines, ExecutorService pool, ComputeDevice device,
                              String id) throws InterruptedException, ExecutionException {
        ModelFamily f = ModelFamily.CLIP;
        List<MetadataKind.Item> items = new ArrayList<>();
        for (String tower : List.of("vision.", "text.")) {
            List<String> modules = f.linearModules().stream().filter(m -> m.startsWith(tower)).toList();
            for (int l = 0; l < layersOf(tower, w.clip()); l++) {
                for (String m : modules) {
                    items.add(new MetadataKind.Item(l, m));
                }
            }
        }
        try (ProgressBar bar = new ProgressBar("fnorm " + id, items.size())) {
            for (MetadataKind.Item it : items) {
                lines.addAll(MetadataKind.FNORM.rows(it, w.stored(f.weightName(it.layer(), it.module())), pool,
                        device));
                bar.step();
            }
        }
    }

    private static void kurtosis(ClipWeights w, List<String> lines, String id) {
        ModelFamily f = ModelFamily.CLIP;
        try (ProgressBar bar = new ProgressBar("kurtosis " + id, expectedRows(MetadataKind.KURTOSIS, w.clip()))) {
            for (String m : f.kurtosisModules()) {
                for (int l = 0; l < layersOf(m, w.clip()); l++) {
                    Tensor t = w.stored(f.weightName(l, m));
                    lines.add(m + "," + l + "," + PyFloat.repr(Moments.pearsonKurtosis(t.data())));
                    bar.step();
                }
            }
        }
    }

    private static void wdist(ClipWeights w, List<String> lines, String id) {
        try (ProgressBar bar = new ProgressBar("wdist " + id, expectedRows(MetadataKind.WDIST, w.clip()))) {
            for (String tower : List.of("text", "vision")) {
                int layers = tower.equals("vision") ? w.clip().vision().layers() : w.clip().text().layers();
                for (String kind : WDIST_KINDS) {
                    for (int l = 0; l < layers; l++) {
                        float[] x = openClipTensor(w, tower, l, kind);
                        double[] p = Percentiles.ofAbsolute(x, 0, 99, 99.9, 99.99, 100);
                        StringBuilder row = new StringBuilder(tower + "," + kind + "," + x.length + "," + l);
                        for (double v : p) {
                            row.append(',').append(PyFloat.repr(v));
                        }
                        lines.add(row.append(',').append(PyFloat.repr(Moments.pearsonKurtosis(x))).toString());
                        bar.step();
                    }
                }
            }
        }
    }

    /** The values of open_clip's block tensor {@code kind} ({@code attn.in_proj_weight}, ...), from HF names. */
    static float[] openClipTensor(ClipWeights w, String tower, int layer, String kind) {
        String p = tower + "_model.encoder.layers." + layer + ".";
        int dot = kind.lastIndexOf('.');
        if (kind.startsWith("attn.in_proj_")) {
            String suffix = kind.substring("attn.in_proj_".length());   // weight | bias
            float[][] parts = new float[3][];
            int n = 0;
            for (int i = 0; i < 3; i++) {
                parts[i] = w.stored(p + "self_attn." + "qkv".charAt(i) + "_proj." + suffix).data();
                n += parts[i].length;
            }
            float[] out = new float[n];
            int at = 0;
            for (float[] part : parts) {
                System.arraycopy(part, 0, out, at, part.length);
                at += part.length;
            }
            return out;
        }
        String module = switch (kind.substring(0, dot)) {
            case "attn.out_proj" -> "self_attn.out_proj";
            case "ln_1" -> "layer_norm1";
            case "ln_2" -> "layer_norm2";
            case "mlp.c_fc" -> "mlp.fc1";
            case "mlp.c_proj" -> "mlp.fc2";
            default -> throw new IllegalArgumentException("not a ViT tensor kind: " + kind);
        };
        return w.stored(p + module + kind.substring(dot)).data();
    }
}
