package org.lmqt.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lmqt.TestData;
import org.lmqt.mxq.Allocation;
import org.lmqt.mxq.FnormTable;
import org.lmqt.mxq.Mxq;
import org.lmqt.mxq.MxqOptions;
import org.lmqt.mxq.WeightAlgo;
import tech.tablesaw.api.Table;

/**
 * The joined table is an FNorm table the MXQ variants run on, and they allocate on it exactly as on the archived
 * tables ({@code data-vis/data/fnorm} for the kurtosis variants, {@code src/data} for the sensitivity ones).
 */
class JoinedTableMxqTest {
    private static final String MODEL = "Llama-2-7b-hf";

    @ParameterizedTest
    @EnumSource(value = WeightAlgo.class, names = {"KURT_SCALED", "KURT_MILP", "SENSI_MILP", "SENSI_BOOST"})
    void variantsAllocateAsOnTheArchivedTables(WeightAlgo algo) {
        Table joined = SensitivityJoin.join(KurtosisJoin.join(KurtosisJoinTest.srcFnorm(MODEL),
                KurtosisJoinTest.wdist(MODEL)), MODEL, SensitivityJoinTest.sensitivity(),
                SensitivityJoin.Options.DEFAULTS);
        String archive = algo.name().startsWith("KURT") ? "paper-data/data-vis/data/fnorm/" : "paper-data/src/data/";
        FnormTable ours = FnormTable.of(joined.setName("fnorm-" + MODEL + ".csv"));
        FnormTable theirs = FnormTable.read(TestData.shared(archive + "fnorm-" + MODEL + ".csv"));
        MxqOptions options = MxqOptions.DEFAULTS.withWeightAlgo(algo);
        Allocation a = Mxq.solve(ours, 4.25, options);
        Allocation b = Mxq.solve(theirs, 4.25, options);
        assertArrayEquals(b.choice(), a.choice(), algo.toString());
        assertEquals(b.objective(), a.objective(), 1e-9 * Math.abs(b.objective()), algo.toString());
    }
}
