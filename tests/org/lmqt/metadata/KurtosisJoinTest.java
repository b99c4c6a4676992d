package org.lmqt.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lmqt.TestData;
import org.lmqt.cli.UserException;
import org.lmqt.io.PandasCsv;
import org.lmqt.io.PandasFloatParser;
import tech.tablesaw.api.Table;

/**
 * The kurtosis join against the archive (calib README §4): {@code src/data} (first 9 columns) + the wdist tables give
 * {@code data-vis/data/fnorm/*.csv}.
 */
class KurtosisJoinTest {

    /** The FNorm columns of an archived {@code src/data} table, as the original's join read them. */
    static Table srcFnorm(String model) {
        Table t = PandasCsv.read(TestData.shared("paper-data/src/data/fnorm-" + model + ".csv"));
        return t.selectColumns("layer", "module", "nbit1", "gsize1", "nbit2", "gsize2", "fnorm", "memmb", "params")
                .setName(t.name());
    }

    static Table wdist(String model) {
        return PandasCsv.read(TestData.shared("paper-data/data-vis/data/wdist/wdist-" + model + ".csv"));
    }

    static Path archived(String model) {
        return TestData.shared("paper-data/data-vis/data/fnorm/fnorm-" + model + ".csv");
    }

    static Path joined(String model, Path dir) {
        Path out = dir.resolve("fnorm-" + model + ".csv");
        PandasCsv.write(KurtosisJoin.join(srcFnorm(model), wdist(model)), out);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"Llama-2-7b-hf", "Llama-2-13b-hf"})
    void reproducesTheArchiveByteForByte(String model, @TempDir Path tmp) throws IOException {
        Path out = joined(model, tmp);
        assertEquals(Files.readString(archived(model)), Files.readString(out), model);
    }

    @Test
    void llama3DiffersOnlyInTheEightFnormTextsRRewrote(@TempDir Path tmp) throws IOException {
        List<String> ours = Files.readAllLines(joined("Meta-Llama-3-8B", tmp));
        List<String> archive = Files.readAllLines(archived("Meta-Llama-3-8B"));
        assertEquals(archive.get(0), ours.get(0));
        List<String> sorted = new ArrayList<>(ours.subList(1, ours.size()));
        sorted.sort(Comparator.comparing(KurtosisJoinTest::archiveOrder));
        assertEquals(archive.size() - 1, sorted.size());
        int differing = 0;
        for (int i = 0; i < sorted.size(); i++) {
            String[] a = archive.get(i + 1).split(",");
            String[] b = sorted.get(i).split(",");
            if (!archive.get(i + 1).equals(sorted.get(i))) {
                differing++;
                a[6] = b[6] = "";
                assertEquals(String.join(",", a), String.join(",", b), "only fnorm differs");
                assertEquals(PandasFloatParser.parse(archive.get(i + 1).split(",")[6]),
                        PandasFloatParser.parse(sorted.get(i).split(",")[6]), 1e-14);
            }
        }
        assertEquals(8, differing);
    }

    /** Sort key of the archived Llama-3-8B file: layer, module (q, v, k, o, gate, up, down), nbit1, gsize1. */
    private static String archiveOrder(String line) {
        String[] f = line.split(",");
        List<String> modules = List.of("self_attn.q_proj", "self_attn.v_proj", "self_attn.k_proj", "self_attn.o_proj",
                "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");
        return String.format("%04d %d %02d %04d", Integer.parseInt(f[0]), modules.indexOf(f[1]),
                Integer.parseInt(f[2]), Integer.parseInt(f[3]));
    }

    @Test
    void correctlyRoundedParsingWouldMissTheBytes() {
        int differ = 0;
        List<String> texts = readColumn(TestData.shared("paper-data/data-vis/data/wdist/wdist-Llama-2-7b-hf.csv"), 8);
        for (String t : texts) {
            if (PandasFloatParser.parse(t) != Double.parseDouble(t)) {
                differ++;
            }
        }
        assertTrue(differ > texts.size() / 10, differ + " of " + texts.size()); // README: 10-17 %
    }

    private static List<String> readColumn(Path csv, int column) {
        try {
            return Files.readAllLines(csv).stream().skip(1).map(l -> l.split(",")[column]).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void otherColumnsPassThroughAndOldKurtosisIsReplaced() {
        Table fnorm = PandasCsv.read(TestData.shared("paper-data/src/data/fnorm-Llama-2-7b-hf.csv"));
        Table out = KurtosisJoin.join(fnorm, wdist("Llama-2-7b-hf"));
        assertEquals(List.of("layer", "module", "nbit1", "gsize1", "nbit2", "gsize2", "fnorm", "memmb", "params",
                "cost_sensi", "sensitivity", "kurtosis", "kurtosis_scaled"), out.columnNames());
        assertEquals(fnorm.rowCount(), out.rowCount());
    }

    @Test
    void missingMatricesAndColumnsAreOneLineErrors() {
        Table w = wdist("Llama-2-7b-hf");
        Table noLayer31 = w.where(w.longColumn("layer").isNotEqualTo(31)).setName("wdist-short.csv");
        UserException e = assertThrows(UserException.class, () -> KurtosisJoin.join(srcFnorm("Llama-2-7b-hf"), noLayer31));
        assertEquals("wdist-short.csv has no kurtosis for 7 matrices of fnorm-Llama-2-7b-hf.csv, e.g. layer 31 "
                + "self_attn.q_proj, layer 31 self_attn.v_proj, layer 31 self_attn.k_proj", e.getMessage());

        e = assertThrows(UserException.class, () -> KurtosisJoin.join(srcFnorm("Llama-2-7b-hf"), wdist("Llama-2-13b-hf")));
        assertEquals("wdist-Llama-2-13b-hf.csv counts 26214400 parameters for layer 0 self_attn.q_proj but "
                + "fnorm-Llama-2-7b-hf.csv 16777216: is it the same model?", e.getMessage());

        Table noKurtosis = w.removeColumns("kurtosis");
        e = assertThrows(UserException.class, () -> KurtosisJoin.join(srcFnorm("Llama-2-7b-hf"), noKurtosis));
        assertTrue(e.getMessage().endsWith("lacks column(s) kurtosis (a kurtosis table needs module,layer,kurtosis)"),
                e.getMessage());
    }
}
