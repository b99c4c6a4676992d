package org.lmqt.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import org.lmqt.calib.CalibrationWindows;
import org.lmqt.calib.GptqCalibration;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.HubCache;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.cli.ProgressBar;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.EvalTextOptions;
import org.lmqt.eval.Perplexity;
import org.lmqt.io.AtomicFiles;
import org.lmqt.metadata.SensitivityJoin;
import org.lmqt.model.CommunitySnapshot;
import org.lmqt.model.LinearLayer;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.QuantizedSnapshot;
import org.lmqt.model.WeightSource;
import org.lmqt.plot.HtmlPage;
import org.lmqt.quant.DjlHqq;
import org.lmqt.quant.MatrixChoice;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code correlate} script: quantizes one unit (matrix or block part) of a model at a time, measures the change
 * in perplexity and the KL divergence to the unquantized model, joins FNorm, kurtosis and sensitivity, and reports
 * their Pearson and Spearman correlations (per-unit CSV, summary CSV and table, scatter figure).
 */
public class CorrelateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR|HF-ID",
            description = "An unquantized model folder or Hugging Face id in the local cache.")
    String model;

    @Option(names = "--device", paramLabel = "cpu|cuda",
            description = "Where to run (default: $" + ComputeDevice.ENV + ", else cpu).")
    String device;

    @Option(names = "--config", defaultValue = "b3g64", paramLabel = "bXgY",
            description = "The config every unit is quantized with (default: ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--method", defaultValue = "hqq", paramLabel = "hqq|rtn|nf4|int8|gptq",
            description = "Quantizer (default: ${DEFAULT-VALUE}); nf4 is 4-bit, int8 8-bit; gptq calibrates each "
                    + "matrix on its inputs in the unquantized model (--calib).")
    QuantMethod method;

    @Option(names = "--calib", paramLabel = "FILE",
            description = "gptq: calibration documents (text lines, JSON lines or a CSV with a text column; default: "
                    + "the original's C4 shard from the hub cache).")
    Path calib;

    @Option(names = "--calib-windows", defaultValue = "128",
            description = "gptq: calibration windows, run once per unit (default: ${DEFAULT-VALUE}).")
    int calibWindows;

    @Option(names = "--calib-length", defaultValue = "512",
            description = "gptq: tokens per calibration window (default: ${DEFAULT-VALUE}).")
    int calibLength;

    @Option(names = "--unit", defaultValue = "matrix", paramLabel = "matrix|block-part",
            description = "Quantize one matrix at a time, or one block part of a layer (attn_in: q, k, v; attn_out: o; "
                    + "mlp_gate: gate, up; mlp_down: down) (default: ${DEFAULT-VALUE}).")
    String unit;

    @Option(names = "--only", split = ",", paramLabel = "KIND",
            description = "Only these matrix kinds (q_proj, k_proj, ...) or block parts (attn_in, ...).")
    List<String> only = List.of();







    @Mixin
    EvalTextOptions evalText;

    @Option(names = "--fnorm", paramLabel = "CSV",
            description = "FNorm table (fnorm-<model>.csv, dump-fnorm); default: computed from the checkpoint.")
    Path fnorm;

    @Option(names = "--kurtosis", paramLabel = "CSV",
            description = "Kurtosis table (kurtosis-<model>.csv or wdist-<model>.csv); default: computed.")
    Path kurtosis;

    @Option(names = "--sensitivity", paramLabel = "CSV",
            description = "Block-part sensitivity table (dump-sensi); without it, no sensitivity column.")
    Path sensitivity;

    @Option(names = "--sensi-dataset", defaultValue = "pileval",
            description = "Which measurement of --sensitivity: its dataset (default: ${DEFAULT-VALUE}).")
    String sensiDataset;

    @Option(names = "--sensi-config", defaultValue = "b4g64",
            description = "Which measurement of --sensitivity: its nbits and group size (default: ${DEFAULT-VALUE}).")
    String sensiConfig;

    @Option(names = "--bootstrap", defaultValue = "1000",
            description = "Bootstrap resamples for the 95 % intervals (0: none; default: ${DEFAULT-VALUE}).")
    int bootstrap;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the bootstrap (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--output-dir", defaultValue = "out/correlate", paramLabel = "DIR",
            description = "Where the CSVs, the figure and the reference logits go (default: ${DEFAULT-VALUE}).")
    Path outputDir;

    @Option(names = "--force", description = "Measure every unit again (a rerun otherwise resumes).")
    boolean force;

    @Override
    public Integer call() throws IOException {
        // options first, so bad input fails before anything is loaded
        UnitKind kind = UnitKind.parse(unit);
        MatrixChoice choice = choice();
        SensitivityJoin.Options sensiOptions = sensitivityOptions();
        Correlation.Bootstrap resampling;
        try {
            resampling = new Correlation.Bootstrap(bootstrap, seed);
        } catch (IllegalArgumentException e) {
            throw new UserException("--bootstrap: " + e.getMessage());
        }
        Perplexity protocol = evalText.protocol();
        Path dir = HubCache.resolve(model);
        if (QuantizedSnapshot.isSnapshot(dir) || CommunitySnapshot.isCommunity(dir)) {
            throw new UserException(dir + " is a quantized snapshot: correlate needs the unquantized checkpoint");
        }
        String body = evalText.body();
        ComputeDevice dev = device == null ? ComputeDevice.fromEnvironment() : ComputeDevice.parse(device);

        try (LoadedModel m = LoadedModel.open(model, dev);
             WeightSource weights = WeightSource.of(Checkpoint.open(dir))) {
            List<Unit> units = Unit.all(kind, weights.family(), m.model().numLayers(), new LinkedHashSet<>(only));
            long[] ids = evalText.tokens(m.requireTokenizer(), body);
            if (ids.length < 2) {
                throw new UserException("the evaluation text gives " + ids.length + " token(s); need at least 2");
            }
            String prefix = "correlate-" + m.shortId() + "-" + method.name().toLowerCase(Locale.ROOT) + "-" + config
                    + "-" + kind.label();
            Path unitCsv = outputDir.resolve(prefix + ".csv");
            // the proxies of every unit (cheap next to the passes)
            Proxies proxies;
            try (ProgressBar bar = new ProgressBar("proxies " + m.shortId(), Proxies.matrices(units))) {
                proxies = Proxies.of(units, weights, m.shortId(), choice.config(), DjlHqq.allCoresFor(dev),
                        new Proxies.Sources(Optional.ofNullable(fnorm), Optional.ofNullable(kurtosis),
                                Optional.ofNullable(sensitivity), sensiOptions), bar::step);
            }
            int windows = protocol.windows(ids.length).length;
            Path logits = outputDir.resolve("correlate-" + m.shortId() + "-reference-logits.safetensors");
            Files.createDirectories(outputDir);
            if (force) {
                Files.deleteIfExists(unitCsv);   // only now: bad proxy tables leave the old file alone
            }
            long[][] calibration = method == QuantMethod.GPTQ ? calibrationWindows(m) : new long[0][];
            List<UnitResult> results = new ArrayList<>();
            try (DamageMeter meter = meter(m, weights, choice, protocol, ids, logits, calibration, windows)) {
                UnitCsv.Run run = new UnitCsv.Run(m.shortId(), method.name().toLowerCase(Locale.ROOT), config,
                        ids.length, meter.basePerplexity());
                Map<String, Damage> done = UnitCsv.read(unitCsv, run);
                long todo = units.stream().filter(u -> !done.containsKey(u.id())).count();
                System.out.printf(Locale.ROOT, "%s unquantized: perplexity %.4f over %d tokens; %d %s units, %d "
                                + "measured before, %d to measure with %s%n", m.shortId(), meter.basePerplexity(),
                        ids.length, units.size(), kind.label(), units.size() - todo, todo, choice);
                try (ProgressBar bar = new ProgressBar("correlate " + m.shortId() + " " + choice, todo * meter.windowsPerUnit())) {
                    for (Unit u : units) {
                        Damage d = done.get(u.id());
                        boolean measured = d == null;
                        if (measured) {
                            d = meter.measure(u, k -> bar.step());
                        }
                        results.add(new UnitResult(u, params(m, u), d, proxies.of(u)));
                        if (measured) {
                            UnitCsv.write(unitCsv, run, results);
                        }
                    }
                }
                UnitCsv.write(unitCsv, run, results);   // the proxies of resumed rows as this run joins them
            }
            report(prefix, m.shortId(), choice, kind, results, resampling, unitCsv);
        }
        return 0;
    }

    private DamageMeter meter(LoadedModel m, WeightSource weights, MatrixChoice choice, Perplexity protocol,
                              long[] ids, Path logits, long[][] calibration, int windows) {
        try (ProgressBar bar = new ProgressBar("reference " + m.shortId(), 2L * windows)) {
            return new DamageMeter(m.model(), weights, choice, DjlHqq.allCoresFor(m.model().device()), protocol, ids,
                    logits, calibration, k -> bar.step());
        }
    }

    /** GPTQ's calibration windows, cut from {@code --calib} (or the C4 shard) as the GPTQ baseline cuts them. */
    private long[][] calibrationWindows(LoadedModel m) {
        CalibrationWindows windows;
        try {
            windows = new CalibrationWindows(Optional.ofNullable(calib), new GptqCalibration.Settings(calibWindows,
                    calibLength, GptqCalibration.Settings.DEFAULT.seed()));
        } catch (IllegalArgumentException e) {
            throw new UserException("--calib-windows and --calib-length: " + e.getMessage());
        }
        return windows.windows(m.requireTokenizer()::encode);
    }

    /** The correlations: printed, written as the summary CSV, and drawn. */
    private void report(String prefix, String shortId, MatrixChoice choice, UnitKind kind, List<UnitResult> results,
                        Correlation.Bootstrap resampling, Path unitCsv) {
        List<String> proxies = ProxyValues.NAMES.stream()
                .filter(p -> results.stream().anyMatch(r -> !Double.isNaN(r.proxies().get(p)))).toList();
        List<Correlation> table = new ArrayList<>();
        for (String damage : UnitResult.DAMAGES) {
            double[] y = results.stream().mapToDouble(r -> r.damage(damage)).toArray();               // [units]
            for (String proxy : proxies) {
                double[] x = results.stream().mapToDouble(r -> r.proxies().get(proxy)).toArray();     // [units]
                table.add(Correlation.of(damage, proxy, x, y, resampling));
            }
        }
        Path summary = outputDir.resolve(prefix + "-summary.csv");
        AtomicFiles.writeString(summary, Correlation.HEADER + "\n"
                + String.join("\n", table.stream().map(Correlation::csvRow).toList()) + "\n");
        System.out.println(SummaryTable.format(table, resampling));
        Path html = outputDir.resolve(prefix + ".html");
        HtmlPage.write(ProxyFigure.of("Proxies vs damage, " + shortId + ", " + choice + " one " + kind.label()
                + " at a time", results, proxies, table), html);
        System.out.println("wrote " + unitCsv + ", " + summary + " and " + html);
    }

    private static long params(LoadedModel m, Unit u) {
        long p = 0;
        for (MatrixKey key : u.matrices()) {
            LinearLayer l = m.model().block(key.layer()).linear(key.module());
            p += (long) l.outFeatures() * l.inFeatures();
        }
        return p;
    }

    private MatrixChoice choice() {
        if (method == QuantMethod.AWQ) {
            throw new UserException("awq searches scales for whole blocks on calibration data; correlate quantizes "
                    + "one matrix at a time (use hqq, rtn, nf4, int8 or gptq)");
        }
        try {
            return new MatrixChoice(method, QuantConfig.parse(config));
        } catch (IllegalArgumentException e) {
            throw new UserException("--config: " + e.getMessage());
        }
    }

    private SensitivityJoin.Options sensitivityOptions() {
        try {
            QuantConfig c = QuantConfig.parse(sensiConfig);
            return new SensitivityJoin.Options(sensiDataset, c.bits(), c.group(), OptionalDouble.empty());
        } catch (IllegalArgumentException e) {
            throw new UserException("--sensi-config/--sensi-dataset: " + e.getMessage());
        }
    }
}
