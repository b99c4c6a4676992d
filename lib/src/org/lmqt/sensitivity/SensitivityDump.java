package org.lmqt.sensitivity;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import org.lmqt.calib.CalibrationData;
import org.lmqt.calib.SensitivityCalibration;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.HubCache;
import org.lmqt.cli.ProgressBar;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.TextTokenizer;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.DjlHqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;

/**
 * The original's {@code dump.py sensi} (lmqt-spec §2.2, §4.9): sensitivity rows of every model x calibration set x
 * config in one CSV, in the original's order (data set, then config, then model, then layer and part). Each model
 * is loaded once, and each calibration set's block inputs are captured once and scored for every config. The CSV
 * is rewritten atomically after every (model, data set); a rerun keeps the complete (data set, config, model)
 * combinations and computes only the others.
 *
 * @param models         model folders or HF ids
 * @param method         HQQ, RTN or NF4 (the original's {@code bnb}: NF4 in blocks of the config's group size)
 * @param configs        configs to score
 * @param datasets       calibration set names ({@code pileval}, {@code wikitext}, {@code bos}, {@code c4}, an HF id
 *                       in the hub cache, or a file, labelled by its name without extension)
 * @param output         the CSV
 * @param device         where the model runs
 * @param includeAttnOut score attn_out for GQA models too (the original skips it)
 */
public record SensitivityDump(List<String> models, QuantMethod method, List<QuantConfig> configs,
                              List<String> datasets, Path output, ComputeDevice device, boolean includeAttnOut) {

    public SensitivityDump {
        models = List.copyOf(models);
        configs = List.copyOf(configs);
        datasets = List.copyOf(datasets);
        if (models.isEmpty() || configs.isEmpty() || datasets.isEmpty()) {
            throw new UserException("give at least one --model, --config and --calib-dataset");
        }
    }

    /** Runs what is not in {@code output} yet (nothing is written when nothing was missing); every row of the file. */
    public List<SensitivityRow> run() {
        List<SensitivityRow> rows = new ArrayList<>(SensitivityCsv.read(output));
        boolean changed = !java.nio.file.Files.isRegularFile(output);
        for (String model : models) {
            Path dir = HubCache.resolve(model);
            String shortId = HubCache.shortId(model, dir);
            try (Checkpoint ckpt = Checkpoint.open(dir);
                 LlamaModel m = LlamaModel.load(WeightSource.of(ckpt), device);
                 TextTokenizer tok = TextTokenizer.find(dir).orElseThrow(() -> new UserException(dir
                         + ": no tokenizer.json; the calibration text must be tokenized"))) {
                tok.checkFits(m.vocabSize(), dir);
                int expected = m.numLayers() * partsPerLayer(m);
                for (String source : datasets) {
                    String dataset = label(source);
                    List<QuantConfig> todo = configs.stream()
                            .filter(c -> count(rows, dataset, c, shortId) != expected).toList();
                    if (todo.isEmpty()) {
                        continue;
                    }
                    rows.removeIf(r -> r.dataset().equals(dataset) && r.model().equals(shortId)
                            && todo.contains(new QuantConfig(r.nbits(), r.groupSize())));
                    long[][] batch = batch(source, tok::encode);
                    try (ProgressBar bar = new ProgressBar(shortId + " " + dataset, m.numLayers())) {
                        rows.addAll(new SensitivityScorer(includeAttnOut).score(m, WeightSource.of(ckpt), batch,
                                dataset, shortId, todo, Dequantizer.of(method, DjlHqq.allCoresFor(device)),
                                l -> bar.step()));
                    }
                    rows.sort(order());
                    SensitivityCsv.write(output, rows);
                    changed = false;   // written
                }
            }
        }
        if (changed) {
            SensitivityCsv.write(output, rows);
        }
        return rows;
    }

    /** A set's label in the CSV: its name, or a file's name without extension ({@code moby-dick}). */
    public static String label(String dataset) {
        Path p = Path.of(dataset);
        if (!java.nio.file.Files.exists(p)) {
            return dataset;
        }
        String name = p.getFileName().toString();
        int dot = name.indexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** The calibration batch of one set: 128 records of at most 512 tokens, cut into blocks of 512. */
    static long[][] batch(String dataset, Function<String, long[]> encoder) {
        return SensitivityCalibration.build(dataset, CalibrationData.records(dataset), encoder).toArray();
    }

    private int partsPerLayer(LlamaModel m) {
        var c = m.config();
        boolean mha = c.numKvHeads() == c.numHeads() && c.numHeads() * c.headDim() == c.hiddenSize();
        return includeAttnOut || mha ? 4 : 3;
    }

    private static long count(List<SensitivityRow> rows, String dataset, QuantConfig c, String model) {
        return rows.stream().filter(r -> r.dataset().equals(dataset) && r.model().equals(model)
                && r.nbits() == c.bits() && r.groupSize() == c.group()).count();
    }

    /** The original's loop order: data set, config, model (each in the order given), layer, part. */
    private Comparator<SensitivityRow> order() {
        List<String> shortIds = models.stream().map(m -> HubCache.shortId(m, HubCache.resolve(m))).toList();
        List<String> labels = datasets.stream().map(SensitivityDump::label).toList();
        return Comparator.<SensitivityRow>comparingInt(r -> rank(labels, r.dataset()))
                .thenComparingInt(r -> rank(configs, new QuantConfig(r.nbits(), r.groupSize())))
                .thenComparingInt(r -> rank(shortIds, r.model()))
                .thenComparingInt(SensitivityRow::layer)
                .thenComparing(SensitivityRow::part);
    }

    /** Position in {@code list}; rows of earlier runs with other values go last, in their own order. */
    private static <T> int rank(List<T> list, T value) {
        int i = list.indexOf(value);
        return i < 0 ? list.size() : i;
    }
}
