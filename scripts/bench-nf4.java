///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Benchmark bitsandbytes NF4 quantization (double-quantized absmax): weights/s, lmqt against a PyTorch eager reference.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Xmx8g

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.bench.PythonReference;
import org.lmqt.checkpoint.DType;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import org.lmqt.device.Djl;
import org.lmqt.io.FileTrees;
import org.lmqt.quant.BnbTables;
import org.lmqt.quant.Nf4Matrix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench-nf4", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Times NF4 quantization with double-quantized block maxima (the original's b4g64) of one seeded",
                "random matrix on one thread and prints weights/s (the fastest of --repeats runs). With python3 and",
                "torch ($LMQT_PYTHON) the same matrix also runs through scripts/reference/nf4_torch.py (bitsandbytes'",
                "pure-torch backend in PyTorch eager, one thread); prints both, the ratio, and how many codes agree."},
        footer = {"", "Example:", "  ./jbang scripts/bench-nf4.java --shape 4096x4096 --block 64"})
class bench_nf4 implements Callable<Integer> {
    @Option(names = "--shape", description = "OUTxIN of the matrix (default: ${DEFAULT-VALUE}).")
    String shape = "4096x4096";

    @Option(names = "--block", description = "NF4 block size (default: ${DEFAULT-VALUE}).")
    int block = 64;

    @Option(names = "--repeats", description = "Runs per side; the fastest counts (default: ${DEFAULT-VALUE}).")
    int repeats = 5;

    @Option(names = "--seed", description = "Seed of the random weights (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--no-reference", description = "Time lmqt only.")
    boolean noReference;

    public static void main(String... args) {
        System.setProperty(Djl.THREADS_PROPERTY, "1");
        Cli.exit(new bench_nf4(), args);
    }

    @Override
    public Integer call() throws Exception {
        String[] d = shape.toLowerCase(Locale.ROOT).split("x");
        if (d.length != 2 || block <= 0 || repeats <= 0) {
            throw new UserException("--shape OUTxIN, positive --block and --repeats");
        }
        int out = Integer.parseInt(d[0]);
        int in = Integer.parseInt(d[1]);
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] w = new float[out * in];                                  // [out, in]
        for (int i = 0; i < w.length; i++) {
            // Box-Muller: two uniforms, one normal
            w[i] = (float) (0.02 * Math.sqrt(-2 * Math.log(1 - rnd.nextDouble()))
                    * Math.cos(2 * Math.PI * rnd.nextDouble()));
        }
        // lmqt: the fastest of the runs (the first ones also warm the JIT up)
        Nf4Matrix q = null;
        double best = Double.POSITIVE_INFINITY;
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            q = Nf4Matrix.quantize(w, new int[] {out, in}, block, DType.F16);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        System.out.println("side,shape,block,seconds,weights_per_second");
        System.out.printf(Locale.ROOT, "lmqt,%s,%d,%.4f,%.3e%n", shape, block, best, w.length / best);
        if (!noReference) {
            reference(w, out, in, q, best);
        }
        return 0;
    }

    private void reference(float[] w, int out, int in, Nf4Matrix q, double ours)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("bench-nf4");
        try {
            Path wf = PythonReference.writeFloats(dir.resolve("w.bin"), w);
            Path nf4 = PythonReference.writeFloats(dir.resolve("nf4.bin"), BnbTables.nf4());
            Path dynamic = PythonReference.writeFloats(dir.resolve("dynamic.bin"), BnbTables.dynamic());
            Path packed = dir.resolve("packed.bin");
            Path nested = dir.resolve("nested.bin");
            Optional<String> result = PythonReference.run("nf4_torch.py", List.of(wf.toString(),
                    Integer.toString(out), Integer.toString(in), Integer.toString(block), nf4.toString(),
                    dynamic.toString(), packed.toString(), nested.toString(), Integer.toString(repeats)));
            if (result.isEmpty()) {
                System.out.println(PythonReference.NOT_MEASURED);
                return;
            }
            String line = result.get();
            double theirs = Double.parseDouble(line);
            System.out.printf(Locale.ROOT, "pytorch,%s,%d,%.4f,%.3e%n", shape, block, theirs, w.length / theirs);
            byte[] theirPacked = Files.readAllBytes(packed);
            byte[] theirNested = Files.readAllBytes(nested);
            System.out.printf(Locale.ROOT, "lmqt speed-up over pytorch (one thread): %.2fx; packed bytes equal: "
                            + "%.3f %%, nested absmax codes equal: %.3f %%%n", theirs / ours,
                    100.0 * same(q.packed(), theirPacked), 100.0 * same(q.absmax().codes(), theirNested));
        } finally {
            FileTrees.delete(dir);
        }
    }

    private static double same(byte[] a, byte[] b) {
        long n = 0;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            n += a[i] == b[i] ? 1 : 0;
        }
        return (double) n / Math.max(a.length, b.length);
    }
}
