package org.lmqt.metadata;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.lmqt.cli.UserException;
import org.lmqt.io.PandasCsv;
import tech.tablesaw.api.Table;

/**
 * The {@code join-metadata} job: joins kurtosis ({@link KurtosisJoin}) and/or sensitivity ({@link SensitivityJoin})
 * into FNorm tables and writes {@code fnorm-<model>.csv} per table into the output folder, atomically. {@link #join}
 * does all the reading and joining first, so a caller can validate every result (the script checks each with
 * {@code org.lmqt.mxq.FnormTable.of}) before {@link #write} writes any.
 *
 * @param fnorm       the FNorm tables, {@code fnorm-<model>.csv} (the model id is taken from the file name)
 * @param kurtosis    a {@code wdist-<model>.csv} or {@code kurtosis-<model>.csv} table (one FNorm table only), or a
 *                    folder holding one of them per model (wdist preferred)
 * @param sensitivity a block-part sensitivity table ({@code llama-sensitivity.csv})
 * @param options     which sensitivity measurement to apportion, raw or as outlier factors
 * @param outputDir   where the joined tables go
 */
public record MetadataJoin(List<Path> fnorm, Optional<Path> kurtosis, Optional<Path> sensitivity,
        SensitivityJoin.Options options, Path outputDir) {

    public MetadataJoin {
        fnorm = List.copyOf(fnorm);
        if (fnorm.isEmpty()) {
            throw new IllegalArgumentException("no FNorm table given");
        }
        if (kurtosis.isEmpty() && sensitivity.isEmpty()) {
            throw new IllegalArgumentException("nothing to join: give a kurtosis and/or a sensitivity table");
        }
        if (kurtosis.isPresent() && fnorm.size() > 1 && !Files.isDirectory(kurtosis.get())) {
            throw new IllegalArgumentException("a kurtosis file serves one FNorm table; give a folder of "
                    + "wdist-<model>.csv or kurtosis-<model>.csv for " + fnorm.size());
        }
    }

    /** One written table. */
    public record Outcome(Path file, int rows, List<String> columns) {}

    /** The joined tables, each named {@code fnorm-<model>.csv}, in the order of {@link #fnorm}. */
    public List<Table> join() {
        // the original read it with R (readr), close to correct rounding: pandas' round-trip parser, not its default
        Optional<Table> sensi = sensitivity.map(p -> PandasCsv.read(p, PandasCsv.FloatPrecision.ROUND_TRIP));
        List<Table> joined = new ArrayList<>();
        for (Path file : fnorm) {
            String model = MetadataKind.FNORM.shortId(file.getFileName().toString());
            Table t = PandasCsv.read(file);
            if (kurtosis.isPresent()) {
                t = KurtosisJoin.join(t, PandasCsv.read(kurtosisTable(kurtosis.get(), model)));
            }
            if (sensi.isPresent()) {
                t = SensitivityJoin.join(t, model, sensi.get(), options);
            }
            joined.add(t.setName(MetadataKind.FNORM.fileName(model)));
        }
        return joined;
    }

    /** Writes each table to {@code outputDir/<its name>} (pandas' number format, atomically). */
    public List<Outcome> write(List<Table> tables) {
        List<Outcome> out = new ArrayList<>();
        for (Table t : tables) {
            Path file = outputDir.resolve(t.name());
            PandasCsv.write(t, file);
            out.add(new Outcome(file, t.rowCount(), t.columnNames()));
        }
        return out;
    }

    /** The kurtosis source of a model: the file itself, or its wdist (else kurtosis) table in the folder. */
    static Path kurtosisTable(Path fileOrDir, String model) {
        if (!Files.isDirectory(fileOrDir)) {
            return fileOrDir;
        }
        for (String prefix : List.of("wdist-", "kurtosis-")) {
            Path p = fileOrDir.resolve(prefix + model + ".csv");
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new UserException("no wdist-" + model + ".csv or kurtosis-" + model + ".csv in " + fileOrDir);
    }
}
