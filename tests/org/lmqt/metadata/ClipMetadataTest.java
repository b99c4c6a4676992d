package org.lmqt.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.clip.ClipLayout;
import org.lmqt.clip.ClipWeights;
import org.lmqt.device.ComputeDevice;
import org.lmqt.mxq.Allocation;
import org.lmqt.mxq.FnormTable;
import org.lmqt.mxq.Mxq;
import org.lmqt.mxq.MxqOptions;

/**
 * The CLIP metadata tables: the same from both layouts, the archived ViT tables' columns and row order (the real
 * LAION weights are not available, so values are checked against direct computations), MXQ on them.
 */
class ClipMetadataTest {
    private static final Path MODEL = TestData.shared("fixtures/clip/tiny-clip-gelu");
    private static final String ARCHIVE_ID = "CLIP-ViT-B-32-laion2B-s34B-b79K";

    @TempDir
    Path tmp;

    private Path write(MetadataKind kind, ClipLayout layout) {
        Path out = tmp.resolve(layout.name());
        try (ClipWeights w = ClipWeights.open(MODEL, layout, Optional.empty(), null)) {
            return ClipMetadata.write(kind, w, "tiny-clip-gelu", out, 2, false, ComputeDevice.CPU).file();
        }
    }

    private static List<String> lines(Path p) throws Exception {
        return Files.readAllLines(p);
    }

    @Test
    void bothLayoutsGiveTheSameTables() throws Exception {
        for (MetadataKind kind : MetadataKind.values()) {
            List<String> hf = lines(write(kind, ClipLayout.HF));
            List<String> oc = lines(write(kind, ClipLayout.OPEN_CLIP));
            assertEquals(hf, oc, kind.name());
        }
    }

    @Test
    void fnormHasTheArchivedColumnsAndRowOrder() throws Exception {
        List<String> ours = lines(write(MetadataKind.FNORM, ClipLayout.OPEN_CLIP));
        List<String> archived = lines(TestData.shared("paper-data/src/data/fnorm-" + ARCHIVE_ID + ".csv"));
        // the archive has kurtosis joined as a 10th column (utils/join.R); the dump writes the first 9
        assertEquals(archived.get(0), ours.get(0) + ",kurtosis");
        assertEquals(2 * 4 * 12, ours.size() - 1);
        // (layer, module, nbit1, gsize1) sequence: the archive's restricted to layers 0 and 1 of each tower
        assertEquals(keys(archived, 4, 2), keys(ours, 4, 2));
    }

    @Test
    void kurtosisAndWdistHaveTheArchivedSchemas() throws Exception {
        List<String> kurt = lines(write(MetadataKind.KURTOSIS, ClipLayout.OPEN_CLIP));
        List<String> archivedKurt = lines(TestData.shared("paper-data/src/data/kurtosis-" + ARCHIVE_ID + ".csv"));
        assertEquals(archivedKurt.get(0), kurt.get(0));
        assertEquals(moduleOrder(archivedKurt, 0), moduleOrder(kurt, 0));
        List<String> wdist = lines(write(MetadataKind.WDIST, ClipLayout.HF));
        List<String> archivedWdist = lines(TestData.shared("paper-data/data-vis/data/wdist/wdist-" + ARCHIVE_ID
                + ".csv"));
        assertEquals(archivedWdist.get(0), wdist.get(0));
        assertEquals(2 * 2 * 12, wdist.size() - 1);
        List<String> archivedBlocks = new ArrayList<>(new LinkedHashSet<>(archivedWdist.subList(1, archivedWdist.size())
                .stream().map(l -> l.split(",")[0] + "," + l.split(",")[1]).toList()));
        List<String> ourBlocks = new ArrayList<>(new LinkedHashSet<>(wdist.subList(1, wdist.size())
                .stream().map(l -> l.split(",")[0] + "," + l.split(",")[1]).toList()));
        assertEquals(archivedBlocks, ourBlocks);
        // param counts of the archive's tensors follow from the shapes: in_proj is 3 D x D
        assertTrue(archivedWdist.contains(archivedWdist.stream().filter(l -> l.startsWith("vision,attn.in_proj_weight,"
                + 3 * 768 * 768 + ",0,")).findFirst().orElseThrow()));
        String row = wdist.stream().filter(l -> l.startsWith("vision,attn.in_proj_weight,")).findFirst().orElseThrow();
        assertEquals(String.valueOf(3 * 64 * 64), row.split(",")[2]);
    }

    @Test
    void valuesAgreeWithDirectComputations() throws Exception {
        List<String> kurt = lines(write(MetadataKind.KURTOSIS, ClipLayout.OPEN_CLIP));
        List<String> wdist = lines(write(MetadataKind.WDIST, ClipLayout.OPEN_CLIP));
        try (ClipWeights w = ClipWeights.open(MODEL, ClipLayout.OPEN_CLIP, Optional.empty(), null)) {
            float[] fc = w.stored("vision_model.encoder.layers.0.mlp.fc1.weight").data();
            double[] d = new double[fc.length];
            double mean = 0;
            double max = 0;
            for (int i = 0; i < fc.length; i++) {
                d[i] = fc[i];
                mean += d[i] / fc.length;
                max = Math.max(max, Math.abs(d[i]));
            }
            double m2 = 0;
            double m4 = 0;
            for (double x : d) {
                m2 += (x - mean) * (x - mean) / d.length;
                m4 += Math.pow(x - mean, 4) / d.length;
            }
            double k = m4 / (m2 * m2);
            String kr = kurt.stream().filter(l -> l.startsWith("vision.mlp.c_fc,0,")).findFirst().orElseThrow();
            assertEquals(k, Double.parseDouble(kr.split(",")[2]), 1e-9 * k);
            String wr = wdist.stream().filter(l -> l.startsWith("vision,mlp.c_fc.weight,")).findFirst().orElseThrow();
            String[] f = wr.split(",");
            assertEquals(max, Double.parseDouble(f[8]), 1e-7);
            assertEquals(k, Double.parseDouble(f[9]), 1e-9 * k);
            // layer 0's c_fc has two outlier input channels (scaled by 6): heavy tails
            assertTrue(k > 4, "kurtosis " + k);
        }
    }

    @Test
    void mxqAllocatesOnArchivedAndOwnClipTables() {
        FnormTable archived = FnormTable.read(TestData.shared("paper-data/src/data/fnorm-" + ARCHIVE_ID + ".csv"));
        assertEquals(48, archived.size());
        // the original's 18 ViT budgets (`mxq --budget vit`)
        List<Double> budgets = org.lmqt.mxq.Budgets.parse(List.of("vit"));
        assertEquals(18, budgets.size());
        assertEquals(7.80, budgets.get(0));
        double previous = Double.POSITIVE_INFINITY;
        for (double budget : budgets) {
            Allocation a = Mxq.solve(archived, budget, MxqOptions.DEFAULTS);
            assertTrue(a.withinBudget(), "budget " + budget);
            // budgets descend, so the optimal error never falls
            assertTrue(a.objective() >= previous - 1e-9 || previous == Double.POSITIVE_INFINITY, "budget " + budget);
            previous = a.objective();
        }
        FnormTable ours = FnormTable.read(write(MetadataKind.FNORM, ClipLayout.OPEN_CLIP));
        assertEquals(8, ours.size());
        java.util.Set<org.lmqt.checkpoint.MatrixKey> keys = new java.util.HashSet<>();
        for (int l = 0; l < 2; l++) {
            for (String m : org.lmqt.checkpoint.ModelFamily.CLIP.linearModules()) {
                keys.add(new org.lmqt.checkpoint.MatrixKey(l, m));
            }
        }
        assertEquals(keys, new java.util.HashSet<>(ours.matrices().stream()
                .map(org.lmqt.mxq.Matrix::matrixKey).toList()));
        Allocation a = Mxq.solve(ours, 4.00, MxqOptions.DEFAULTS);
        assertTrue(a.withinBudget());
    }

    /** The first {@code cols} fields of every data row whose layer (column 0) is below {@code layers}. */
    private static List<String> keys(List<String> lines, int cols, int layers) {
        return lines.subList(1, lines.size()).stream().map(l -> l.split(","))
                .filter(f -> Integer.parseInt(f[0]) < layers)
                .map(f -> String.join(",", Arrays.copyOf(f, cols))).toList();
    }

    /** The distinct values of column {@code col}, in order of first appearance. */
    private static List<String> moduleOrder(List<String> lines, int col) {
        return new ArrayList<>(new LinkedHashSet<>(lines.subList(1, lines.size()).stream()
                .map(l -> l.split(",")[col]).toList()));
    }
}
