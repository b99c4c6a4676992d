///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Benchmark AWQ on one decoder block: scale-search and clip seconds, lmqt against a PyTorch eager reference.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Xmx8g

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.bench.PythonReference;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import org.lmqt.device.Djl;
import org.lmqt.io.FileTrees;
import org.lmqt.quant.CalibrationInputs;
import org.lmqt.quant.awq.Awq;
import org.lmqt.quant.awq.AwqFeatures;
import org.lmqt.quant.awq.AwqLayer;
import org.lmqt.quant.awq.AwqMatrix;
import org.lmqt.quant.awq.AwqOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench-awq", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Times AutoAWQ's method on one seeded random Llama decoder block on one thread: the scale",
                "search of its units (20 ratios each) and the clip search plus the final quantization. With python3",
                "and torch ($LMQT_PYTHON) the same weights and features also run through",
                "scripts/reference/awq_torch.py (the algorithm in PyTorch eager, one thread); prints both times, the",
                "ratio, and how many scales and codes agree."},
        footer = {"", "Example:", "  ./jbang scripts/bench-awq.java --hidden 256 --intermediate 768 --tokens 1024"})
class bench_awq implements Callable<Integer> {
    @Option(names = "--hidden", description = "Hidden size (default: ${DEFAULT-VALUE}).")
    int hidden = 256;

    @Option(names = "--kv", description = "Output size of k/v_proj; equal to --hidden (default) searches the o unit too.")
    Integer kv;

    @Option(names = "--intermediate", description = "MLP size (default: ${DEFAULT-VALUE}).")
    int intermediate = 768;

    @Option(names = "--tokens", description = "Calibration tokens (default: ${DEFAULT-VALUE}).")
    int tokens = 1024;

    @Option(names = "--group", description = "Group size (default: ${DEFAULT-VALUE}).")
    int group = 128;

    @Option(names = "--seed", description = "Seed of the random weights and features (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--no-reference", description = "Time lmqt only.")
    boolean noReference;

    public static void main(String... args) {
        System.setProperty(Djl.THREADS_PROPERTY, "1");
        Cli.exit(new bench_awq(), args);
    }

    @Override
    public Integer call() throws Exception {
        int kvOut = kv == null ? hidden : kv;
        if (hidden <= 0 || kvOut <= 0 || intermediate <= 0 || tokens <= 0 || group <= 0 || hidden % group != 0
                || intermediate % group != 0 || hidden % 64 != 0 || kvOut % 64 != 0 || intermediate % 64 != 0) {
            throw new UserException("--hidden, --kv and --intermediate must be positive multiples of 64 and of "
                    + "--group, --tokens positive");
        }
        // seeded block: Gaussian weights, norm weights near 1, features with a few wide channels
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, float[]> w = new LinkedHashMap<>();
        w.put("q", gaussian(rnd, hidden * hidden, 0.02, 0));
        w.put("k", gaussian(rnd, kvOut * hidden, 0.02, 0));
        w.put("v", gaussian(rnd, kvOut * hidden, 0.02, 0));
        w.put("o", gaussian(rnd, hidden * hidden, 0.02, 0));
        w.put("gate", gaussian(rnd, intermediate * hidden, 0.02, 0));
        w.put("up", gaussian(rnd, intermediate * hidden, 0.02, 0));
        w.put("down", gaussian(rnd, hidden * intermediate, 0.02, 0));
        float[] ln1 = gaussian(rnd, hidden, 0.05, 1);
        float[] ln2 = gaussian(rnd, hidden, 0.05, 1);
        float[] xAttn = wide(gaussian(rnd, tokens * hidden, 1, 0), hidden);   // [tokens, hidden]
        float[] xO = gaussian(rnd, tokens * hidden, 1, 0);                    // [tokens, hidden]
        float[] xMlp = wide(gaussian(rnd, tokens * hidden, 1, 0), hidden);    // [tokens, hidden]
        float[] xDown = gaussian(rnd, tokens * intermediate, 0.1, 0);         // [tokens, intermediate]
        AwqLayer layer = new AwqLayer(ln1, w.get("q"), w.get("k"), w.get("v"), w.get("o"), ln2, w.get("gate"),
                w.get("up"), w.get("down"));
        AwqFeatures x = new AwqFeatures(new CalibrationInputs(xAttn, tokens, hidden),
                new CalibrationInputs(xO, tokens, hidden), new CalibrationInputs(xMlp, tokens, hidden),
                new CalibrationInputs(xDown, tokens, intermediate));
        AwqOptions o = AwqOptions.of(AwqOptions.Flavour.AUTOAWQ, 4, group);
        // warm-up (libtorch loaded, the JIT compiled) on the same block, not timed
        for (int round = 0; round < 3; round++) {
            Awq.searchUnit(layer, x, Awq.Unit.DOWN, o);
        }
        // lmqt: the scale search, then scales applied, clip search and the final quantization
        long t0 = System.nanoTime();
        List<Awq.UnitSearch> searches = Awq.searchScales(layer, x, o);
        long t1 = System.nanoTime();
        Map<Awq.Unit, float[]> scales = new LinkedHashMap<>();
        searches.forEach(s -> scales.put(s.unit(), s.scales()));
        Awq.Quantized q = Awq.clipAndQuantize(Awq.applyScales(layer, x, scales), o);
        long t2 = System.nanoTime();
        double search = (t1 - t0) / 1e9;
        double clip = (t2 - t1) / 1e9;
        String shape = hidden + "/" + kvOut + "/" + intermediate;
        System.out.println("side,hidden/kv/intermediate,tokens,group,search_seconds,clip_seconds,total_seconds");
        System.out.printf(Locale.ROOT, "lmqt,%s,%d,%d,%.3f,%.3f,%.3f%n", shape, tokens, group, search, clip,
                search + clip);
        if (!noReference) {
            Map<String, float[]> files = new LinkedHashMap<>(w);
            files.put("ln1", ln1);
            files.put("ln2", ln2);
            files.put("x_attn", xAttn);
            files.put("x_o", xO);
            files.put("x_mlp", xMlp);
            files.put("x_down", xDown);
            reference(files, kvOut, shape, searches, q, search, clip);
        }
        return 0;
    }

    private void reference(Map<String, float[]> files, int kvOut, String shape, List<Awq.UnitSearch> searches,
                           Awq.Quantized q, double search, double clip) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("bench-awq");
        try {
            for (Map.Entry<String, float[]> f : files.entrySet()) {
                PythonReference.writeFloats(dir.resolve(f.getKey() + ".bin"), f.getValue());
            }
            Optional<String> result = PythonReference.run("awq_torch.py", List.of(dir.toString(),
                    Integer.toString(hidden), Integer.toString(kvOut), Integer.toString(intermediate),
                    Integer.toString(tokens), Integer.toString(group)));
            if (result.isEmpty()) {
                System.out.println(PythonReference.NOT_MEASURED);
                return;
            }
            String line = result.get();
            String[] f = line.split(",");
            double refSearch = Double.parseDouble(f[0]);
            double refClip = Double.parseDouble(f[1]);
            System.out.printf(Locale.ROOT, "pytorch,%s,%d,%d,%.3f,%.3f,%.3f%n", shape, tokens, group, refSearch,
                    refClip, refSearch + refClip);
            // agreement: the units' scales (bit for bit) and the seven linears' codes
            float[] theirScales = PythonReference.readFloats(dir.resolve("scales.bin"));
            int next = 0;
            long scalesSame = 0;
            long scalesAll = 0;
            List<String> perUnit = new ArrayList<>();
            for (Awq.UnitSearch s : searches) {
                long same = 0;
                for (float v : s.scales()) {
                    same += Float.floatToRawIntBits(v) == Float.floatToRawIntBits(theirScales[next++]) ? 1 : 0;
                }
                perUnit.add(s.unit().label() + " (ratio " + s.bestIndex() + "/20) " + same + "/" + s.scales().length);
                scalesSame += same;
                scalesAll += s.scales().length;
            }
            System.out.println("scales equal per unit: " + String.join(", ", perUnit));
            byte[] theirCodes = Files.readAllBytes(dir.resolve("codes.bin"));
            long codesSame = 0;
            int at = 0;
            for (AwqMatrix m : q.matrices().values()) {
                for (byte c : m.codes()) {
                    codesSame += c == theirCodes[at++] ? 1 : 0;
                }
            }
            System.out.printf(Locale.ROOT, "lmqt speed-up over pytorch (one thread): %.2fx (search %.2fx, clip "
                            + "%.2fx); scales equal: %.3f %%, codes equal: %.3f %%%n",
                    (refSearch + refClip) / (search + clip), refSearch / search, refClip / clip, 100.0 * scalesSame / scalesAll, 100.0 * codesSame / theirCodes.length);
        } finally {
            FileTrees.delete(dir);
        }
    }

    /** Every 17th channel of {@code x [rows, cols]} eight times wider, as real activations' outlier channels. */
    private static float[] wide(float[] x, int cols) {
        for (int i = 0; i < x.length; i++) {
            if (i % cols % 17 == 0) {
                x[i] *= 8;
            }
        }
        return x;
    }

    private static float[] gaussian(SplittableRandom rnd, int n, double sd, double mean) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller: two uniforms, one normal
            v[i] = (float) (mean + sd * Math.sqrt(-2 * Math.log(1 - rnd.nextDouble()))
                    * Math.cos(2 * Math.PI * rnd.nextDouble()));
        }
        return v;
    }
}
