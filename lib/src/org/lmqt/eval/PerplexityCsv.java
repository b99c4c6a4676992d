package org.lmqt.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.lmqt.cli.UserException;
import org.lmqt.io.AtomicFiles;
import org.lmqt.io.PyFloat;

/**
 * The CSV row {@code eval-ppl} reports. Perplexity is rounded to 4 decimals and the window duration to 3, as the
 * original rounds {@code ppl_*} and {@code duration_*}.
 */
public final class PerplexityCsv {
    /** Column names. */
    public static final String HEADER = "model,quant,dataset,device,max_length,stride,tokens,windows,ppl,duration,"
            + "tokens_per_s,peak_mem_bytes,mem_kind,kld_mean,kld_median,kld_p99,kld_max,top1_agree";

    private PerplexityCsv() {}

    /** One row; the KL columns are empty without a reference model. */
    public static String row(String model, String quant, String dataset, String device, Perplexity protocol,
                             PerplexityResult r, String memKind, Optional<KlDivergence.Result> kl) {
        Stream<String> klFields = kl.map(k -> Stream.of(k.mean(), k.median(), k.p99(), k.max(), k.top1Agree())
                .map(PyFloat::repr)).orElseGet(() -> Stream.of("", "", "", "", ""));
        return Stream.concat(Stream.of(model, quant, dataset, device, String.valueOf(protocol.maxLength()),
                        String.valueOf(protocol.stride()), String.valueOf(r.tokens()), String.valueOf(r.windows()),
                        PyFloat.repr(round(r.perplexity(), 4)), PyFloat.repr(round(r.meanWindowSeconds(), 3)),
                        PyFloat.repr(round(r.tokensPerSecond(), 1)), String.valueOf(r.peakMemoryBytes()), memKind),
                        klFields)
                .map(PerplexityCsv::field).collect(Collectors.joining(","));
    }

    /**
     * Appends {@code row} to {@code csv} (header first when the file is new), atomically; a one-line error for a file
     * with other columns (written by an older lmqt, before the KL columns).
     */
    public static void append(Path csv, String row) {
        try {
            String existing = Files.isRegularFile(csv) ? Files.readString(csv) : HEADER + "\n";
            if (!existing.startsWith(HEADER + "\n")) {
                throw new UserException(csv + ": its columns are not " + HEADER + " (an older eval-ppl file?); "
                        + "append to a new file");
            }
            AtomicFiles.writeString(csv, existing + row + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double round(double v, int decimals) {
        return new java.math.BigDecimal(v).setScale(decimals, java.math.RoundingMode.HALF_EVEN).doubleValue();
    }

    private static String field(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
