///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Benchmark the HQQ quantizer: weights/s per config for Llama-sized matrices, one thread and all cores.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Xmx8g

import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.quant.Hqq;
import org.lmqt.quant.QuantConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench-hqq", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Times HQQ (optimize=True, as the FNorm tool runs it) on random Gaussian matrices and prints",
                "weights/s per config, single-threaded and on all cores, next to the original's reference figures",
                "(PyTorch eager, CPU, one thread: 10-13 s per config at 4096x4096, 32-52 s at 11008x4096)."},
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
                }
            }
        }
        return 0;
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
