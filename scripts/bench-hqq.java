///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Benchmark the HQQ quantizer: weights/s per config for Llama-sized matrices, one thread and all cores.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Xmx8g

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import org.lmqt.Deps;
import org.lmqt.bench.PythonReference;
import org.lmqt.cli.Cli;
import org.lmqt.quant.Hqq;
import org.lmqt.quant.QuantConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench-hqq", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Times HQQ (optimize=True, as the FNorm tool runs it) on random Gaussian matrices and prints",
                "weights/s per config, single-threaded and on all cores. With --reference and python3 with torch",
                "($LMQT_PYTHON), the same shapes and configs also run through the fork's algorithm in PyTorch eager",
                "on one thread (scripts/reference/hqq_eager.py), once with glibc's stock malloc and once tuned against",
                "page faults, and the ratios are printed."},
        footer = {"", "Example:", "  ./jbang scripts/bench-hqq.java --shape 4096x4096 --config b4g64,b2g32 --repeat 2"})
class bench_hqq implements Callable<Integer> {
    @Option(names = "--shape", split = ",", description = "Matrix shapes OUTxIN (default: ${DEFAULT-VALUE}).")
    List<String> shapes = List.of("4096x4096", "11008x4096");

    @Option(names = "--config", split = ",", description = "Configs (default: the 12 MXQ candidates).")
    List<String> configs = List.of();

    @Option(names = "--threads", description = "Threads for the parallel run (default: all cores, ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--repeat", description = "Timed runs per case; the fastest counts (default: ${DEFAULT-VALUE}).")
    int repeat = 1;

    @Option(names = "--seed", description = "Seed of the random weights (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--reference", description = "Also time the PyTorch eager reference (needs python3 with torch).")
    boolean reference;

    /** glibc settings that stop PyTorch's big temporaries from being unmapped and faulted in again every op. */
    static final Map<String, String> TUNED_MALLOC = Map.of("MALLOC_MMAP_MAX_", "0",
            "MALLOC_TRIM_THRESHOLD_", "68719476736", "MALLOC_TOP_PAD_", "1073741824");

    public static void main(String... args) {
        Cli.exit(new bench_hqq(), args);
    }

    @Override
    public Integer call() {
        List<QuantConfig> cfgs = configs.isEmpty() ? QuantConfig.MXQ_CANDIDATES : configs.stream().map(QuantConfig::parse).toList();
        Hqq single = new Hqq(null);
        Hqq multi = new Hqq(new ForkJoinPool(threads));
        System.out.println("shape,config,threads,seconds,weights_per_s");
        for (String shape : shapes) {
            String[] d = shape.toLowerCase().split("x");
            int[] dims = {Integer.parseInt(d[0]), Integer.parseInt(d[1])};
            float[] w = gaussian(dims[0] * dims[1], seed);   // [out, in]
            Hqq.quantize(w, dims, Hqq.Spec.hqq(4, 64));       // warm-up (JIT)
            for (QuantConfig c : cfgs) {
                for (Hqq q : new Hqq[] {single, multi}) {
                    double best = Double.MAX_VALUE;
                    for (int r = 0; r < repeat; r++) {
                        long t0 = System.nanoTime();
                        q.apply(w, dims, Hqq.Spec.hqq(c.bits(), c.group()));
                        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                    }
                    System.out.printf("%s,%s,%d,%.3f,%.3e%n", shape, c, q == single ? 1 : threads, best, w.length / best);
                    if (q == single) {
                        singleSeconds.put(shape + "," + c.name(), best);
                    }
                }
            }
        }
        if (reference) {
            compareWithReference(cfgs);
        }
        return 0;
    }

    private final Map<String, Double> singleSeconds = new LinkedHashMap<>();

    /** The PyTorch eager reference per shape and config, stock and tuned malloc, and lmqt's one-thread ratio. */
    private void compareWithReference(List<QuantConfig> cfgs) {
        String names = String.join(",", cfgs.stream().map(QuantConfig::name).toList());
        System.out.println("shape,config,reference_malloc,reference_seconds,lmqt_seconds,lmqt_speedup");
        for (String shape : shapes) {
            String[] d = shape.toLowerCase().split("x");
            for (boolean tuned : new boolean[] {false, true}) {
                try {
                    Optional<String> out = PythonReference.run("hqq_eager.py", List.of(d[0], d[1], names,
                            Integer.toString(repeat), Long.toString(seed)), tuned ? TUNED_MALLOC : Map.of());
                    if (out.isEmpty()) {
                        System.out.println(PythonReference.NOT_MEASURED);
                        return;
                    }
                    List<String> lines = out.get().lines().toList();
                    for (String line : lines) {
                        String[] f = line.split(",");
                        double ref = Double.parseDouble(f[3]);
                        double ours = singleSeconds.get(f[0] + "," + f[1]);
                        System.out.printf(java.util.Locale.ROOT, "%s,%s,%s,%.3f,%.3f,%.1f%n", f[0], f[1],
                                tuned ? "tuned" : "stock", ref, ours, ref / ours);
                    }
                } catch (java.io.IOException e) {
                    System.out.println("reference: not measured (" + e.getMessage() + ")");
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (r.nextGaussian() * 0.02);
        }
        return w;
    }
}
