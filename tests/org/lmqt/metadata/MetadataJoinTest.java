package org.lmqt.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.cli.UserException;
import org.lmqt.mxq.FnormTable;

/** The join-metadata job: files in, {@code fnorm-<model>.csv} out, nothing written when any table fails. */
class MetadataJoinTest {
    private static final Path SRC = TestData.shared("paper-data/src/data");
    private static final Path WDIST = TestData.shared("paper-data/data-vis/data/wdist");
    private static final Path SENSI = TestData.shared("paper-data/data-vis/data/llama-sensitivity.csv");

    @Test
    void joinsEveryTableAndWritesFnormFilesMxqReads(@TempDir Path out) {
        MetadataJoin job = new MetadataJoin(List.of(SRC.resolve("fnorm-Llama-2-7b-hf.csv"),
                SRC.resolve("fnorm-Meta-Llama-3-8B.csv")), Optional.of(WDIST), Optional.of(SENSI),
                SensitivityJoin.Options.DEFAULTS, out);
        List<MetadataJoin.Outcome> written = job.write(job.join());
        assertEquals(List.of(out.resolve("fnorm-Llama-2-7b-hf.csv"), out.resolve("fnorm-Meta-Llama-3-8B.csv")),
                written.stream().map(MetadataJoin.Outcome::file).toList());
        assertEquals(List.of("layer", "module", "nbit1", "gsize1", "nbit2", "gsize2", "fnorm", "memmb", "params",
                "cost_sensi", "kurtosis", "kurtosis_scaled", "sensitivity"), written.get(1).columns());
        FnormTable t = FnormTable.read(written.get(1).file());
        assertEquals(java.util.Set.of("kurtosis", "kurtosis_scaled", "sensitivity"), t.metrics().keySet());
    }

    @Test
    void aFailingTableStopsTheJobBeforeAnyWrite(@TempDir Path out) {
        MetadataJoin job = new MetadataJoin(List.of(SRC.resolve("fnorm-Llama-2-7b-hf.csv"),
                SRC.resolve("fnorm-Llama-2-70b-hf.csv")), Optional.empty(), Optional.of(SENSI),
                SensitivityJoin.Options.DEFAULTS, out);
        assertThrows(UserException.class, job::join);
        assertFalse(Files.exists(out.resolve("fnorm-Llama-2-7b-hf.csv")));
    }

    @Test
    void badRequests() {
        List<Path> two = List.of(SRC.resolve("fnorm-Llama-2-7b-hf.csv"), SRC.resolve("fnorm-Llama-2-13b-hf.csv"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MetadataJoin(two,
                Optional.of(WDIST.resolve("wdist-Llama-2-7b-hf.csv")), Optional.empty(),
                SensitivityJoin.Options.DEFAULTS, Path.of("out")));
        assertEquals("a kurtosis file serves one FNorm table; give a folder of wdist-<model>.csv or "
                + "kurtosis-<model>.csv for 2", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MetadataJoin(two, Optional.empty(), Optional.empty(),
                SensitivityJoin.Options.DEFAULTS, Path.of("out")));
        UserException u = assertThrows(UserException.class, () -> new MetadataJoin(List.of(two.get(0)),
                Optional.of(SRC), Optional.empty(), SensitivityJoin.Options.DEFAULTS, Path.of("out")).join());
        assertEquals("no wdist-Llama-2-7b-hf.csv or kurtosis-Llama-2-7b-hf.csv in " + SRC, u.getMessage());
    }
}
