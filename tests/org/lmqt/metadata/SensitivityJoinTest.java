package org.lmqt.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lmqt.TestData;
import org.lmqt.cli.UserException;
import org.lmqt.io.PandasCsv;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/**
 * The sensitivity apportioning against the archive (calib README §4): {@code llama-sensitivity.csv} gives the
 * {@code sensitivity} column of {@code src/data/fnorm-*.csv}; the factor variant gives the fixture's outliers.
 */
class SensitivityJoinTest {
    private static final Map<String, Table> CACHE = new HashMap<>();

    static synchronized Table sensitivity() {
        return CACHE.computeIfAbsent("sensi", k -> PandasCsv.read(
                TestData.shared("paper-data/data-vis/data/llama-sensitivity.csv"), PandasCsv.FloatPrecision.ROUND_TRIP));
    }

    static Table src(String model) {
        return PandasCsv.read(TestData.shared("paper-data/src/data/fnorm-" + model + ".csv"),
                PandasCsv.FloatPrecision.ROUND_TRIP);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Llama-2-7b-hf", "Llama-2-13b-hf", "Meta-Llama-3-8B"})
    void reproducesTheArchivedColumnOnEveryRow(String model) {
        Table fnorm = src(model);
        Table out = SensitivityJoin.join(fnorm, model, sensitivity(), SensitivityJoin.Options.DEFAULTS);
        assertEquals(fnorm.columnNames(), out.columnNames());   // sensitivity was already last
        assertEquals(fnorm.rowCount(), out.rowCount());
        DoubleColumn expected = fnorm.doubleColumn("sensitivity");
        DoubleColumn actual = out.doubleColumn("sensitivity");
        double worst = 0;
        for (int r = 0; r < fnorm.rowCount(); r++) {
            double e = expected.getDouble(r);
            assertEquals(e, actual.getDouble(r), 1e-12 * Math.abs(e), model + " row " + (r + 1));
            worst = Math.max(worst, Math.abs(actual.getDouble(r) - e) / Math.abs(e));
        }
        assertTrue(worst < 1e-13, "README: within 8.3e-14 relative, here " + worst);
        assertEquals(model.contains("13b") ? 3360 : 2688, out.rowCount());
    }

    @Test
    void factorVariantMarksTheFixtureMatricesAndOnlyThem() {
        Table fixture = PandasCsv.read(TestData.shared("fixtures/calib/apportion-factor-outliers.csv"));
        for (String model : List.of("Llama-2-7b-hf", "Llama-2-13b-hf", "Meta-Llama-3-8B")) {
            Map<String, Double> expectedZ = new TreeMap<>();
            for (int r = 0; r < fixture.rowCount(); r++) {
                if (fixture.stringColumn("model").get(r).equals(model)) {
                    expectedZ.put(fixture.column("layer").getString(r) + " " + fixture.stringColumn("module").get(r),
                            fixture.doubleColumn("z").get(r));
                }
            }
            Table fnorm = src(model);
            Table raw = SensitivityJoin.join(fnorm, model, sensitivity(), SensitivityJoin.Options.DEFAULTS);
            Table factor = SensitivityJoin.join(fnorm, model, sensitivity(),
                    SensitivityJoin.Options.DEFAULTS.withOutlierFactor(SensitivityJoin.Options.DEFAULT_FACTOR));
            double[] z = SensitivityJoin.zScores(raw.doubleColumn("sensitivity").asDoubleArray());
            Map<String, Double> marked = new TreeMap<>();
            for (int r = 0; r < factor.rowCount(); r++) {
                double v = factor.doubleColumn("sensitivity").getDouble(r);
                String matrix = factor.column("layer").getString(r) + " " + factor.stringColumn("module").get(r);
                if (v == 2.0) {
                    marked.put(matrix, z[r]);
                } else {
                    assertEquals(1.0, v, matrix);
                    assertTrue(!expectedZ.containsKey(matrix), matrix + " should be marked");
                }
            }
            assertEquals(expectedZ.keySet(), marked.keySet(), model);
            expectedZ.forEach((m, ez) -> assertEquals(ez, marked.get(m), 1e-6, model + " " + m));
        }
    }

    @Test
    void oProjTakesAttnInWhereALayerHasNoAttnOut() {
        Table s = sensitivity();
        Table withoutLayer5 = s.where(s.stringColumn("part").isNotEqualTo("attn_out")
                .or(s.longColumn("layer").isNotEqualTo(5))).setName(s.name());
        Table out = SensitivityJoin.join(src("Llama-2-7b-hf"), "Llama-2-7b-hf", withoutLayer5,
                SensitivityJoin.Options.DEFAULTS);
        Map<String, Double> layer5 = new HashMap<>();
        for (int r = 0; r < out.rowCount(); r++) {
            if (out.longColumn("layer").get(r) == 5) {
                layer5.put(out.stringColumn("module").get(r), out.doubleColumn("sensitivity").get(r));
            }
        }
        assertEquals(layer5.get("self_attn.q_proj"), layer5.get("self_attn.o_proj"));
    }

    @Test
    void errorLines() {
        Table fnorm = src("Llama-2-7b-hf");
        UserException e = assertThrows(UserException.class,
                () -> SensitivityJoin.join(fnorm, "Llama-2-70b-hf", sensitivity(), SensitivityJoin.Options.DEFAULTS));
        assertEquals("llama-sensitivity.csv has no rows for model Llama-2-70b-hf, dataset pileval, nbits 4, "
                + "group_size 64 (models with that measurement: Llama-2-13b-hf, Llama-2-7b-hf, Meta-Llama-3-8B)",
                e.getMessage());

        e = assertThrows(UserException.class, () -> SensitivityJoin.join(fnorm, "Llama-2-7b-hf", sensitivity(),
                SensitivityJoin.Options.DEFAULTS.withMeasurement("bos", 4, 64)));
        assertTrue(e.getMessage().endsWith("(no model has that measurement)"), e.getMessage());

        Table s = sensitivity();
        Table noDown31 = s.where(s.stringColumn("part").isNotEqualTo("mlp_down")
                .or(s.longColumn("layer").isNotEqualTo(31))).setName(s.name());
        e = assertThrows(UserException.class, () -> SensitivityJoin.join(fnorm, "Llama-2-7b-hf", noDown31,
                SensitivityJoin.Options.DEFAULTS));
        assertEquals("llama-sensitivity.csv lacks 1 block part(s), e.g. layer 31 mlp_down (model Llama-2-7b-hf, "
                + "dataset pileval, nbits 4, group_size 64; needed by fnorm-Llama-2-7b-hf.csv)", e.getMessage());

        Table noPart = s.copy().removeColumns("part").setName("sensi.csv");
        e = assertThrows(UserException.class, () -> SensitivityJoin.join(fnorm, "Llama-2-7b-hf", noPart,
                SensitivityJoin.Options.DEFAULTS));
        assertEquals("sensi.csv lacks column(s) part (a sensitivity table needs dataset,part,model,nbits,"
                + "group_size,layer,sensitivity)", e.getMessage());

        assertThrows(IllegalArgumentException.class, () -> new SensitivityJoin.Options("pileval", 0, 64,
                OptionalDouble.empty()));
        assertThrows(IllegalArgumentException.class, () -> SensitivityJoin.Options.DEFAULTS.withOutlierFactor(-1));
    }
}
