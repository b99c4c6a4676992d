///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Benchmark GPTQ on one linear layer: Hessian and fasterquant seconds, lmqt against a PyTorch eager reference.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Xmx8g

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.device.Djl;
import org.lmqt.io.FileTrees;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.gptq.GptqHessian;
import org.lmqt.quant.gptq.GptqMatrix;
import org.lmqt.quant.gptq.GptqQuantizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench-gptq", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Times GPTQ of one seeded random linear layer on one thread: the Hessian of the calibration",
                "tokens (one add_batch per sequence) and fasterquant (AutoGPTQ's defaults, natural order). With",
                "python3 and torch ($LMQT_PYTHON) the same inputs also run through scripts/reference/gptq_torch.py",
                "(the algorithm in PyTorch eager, one thread); prints both times, the ratio, and how many codes agree."},
        footer = {"", "Example:", "  ./jbang scripts/bench-gptq.java --shape 4096x4096 --tokens 65536 --config b4g128"})
class bench_gptq implements Callable<Integer> {
    @Option(names = "--shape", description = "OUTxIN of the layer (default: ${DEFAULT-VALUE}).")
    String shape = "4096x4096";

    @Option(names = "--tokens", description = "Calibration tokens, in sequences of --seq-len (default: ${DEFAULT-VALUE}"
            + " = 128 x 512, the issue's setting).")
    int tokens = 65536;

    @Option(names = "--seq-len", description = "Tokens per add_batch call (default: ${DEFAULT-VALUE}).")
    int seqLen = 512;

    @Option(names = "--config", description = "bXgY (default: ${DEFAULT-VALUE}).")
    String config = "b4g128";

    @Option(names = "--seed", description = "Seed of the random weights and inputs (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--no-reference", description = "Time lmqt only.")
    boolean noReference;

    public static void main(String... args) {
        System.setProperty(Djl.THREADS_PROPERTY, "1");
        Cli.exit(new bench_gptq(), args);
    }

    @Override
    public Integer call() throws Exception {
        String[] d = shape.toLowerCase(Locale.ROOT).split("x");
        if (d.length != 2 || tokens <= 0 || seqLen <= 0) {
            throw new UserException("--shape OUTxIN, positive --tokens and --seq-len");
        }
        int out = Integer.parseInt(d[0]);
        int in = Integer.parseInt(d[1]);
        QuantConfig c = QuantConfig.parse(config);
        // seeded inputs: Gaussian weights, inputs with a few wide channels as real activations have
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] w = new float[out * in];                                  // [out, in]
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (gaussian(rnd) * 0.02);
        }
        float[] x = new float[tokens * in];                               // [tokens, in]
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (gaussian(rnd) * (i % in % 97 == 0 ? 8 : 1));
        }
        // warm-up (libtorch loaded, the JIT compiled) on a small layer, not timed
        warmUp(c);
        // lmqt: the Hessian through libtorch (the block-wise path), fasterquant in Java
        GptqHessian h = new GptqHessian(in);
        long t0 = System.nanoTime();
        try (NDManager nd = NDManager.newBaseManager(ComputeDevice.CPU.djlDevice())) {
            NDArray all = nd.create(x, new Shape(tokens, in));
            for (int s = 0; s < tokens; s += seqLen) {
                h.addSequence(all.get(s + ":" + Math.min(tokens, s + seqLen)));  // [seqLen, in]
            }
        }
        long t1 = System.nanoTime();
        GptqMatrix q = new GptqQuantizer().quantize(w, new int[] {out, in}, c, h).matrix();
        long t2 = System.nanoTime();
        double hessianSeconds = (t1 - t0) / 1e9;
        double quantSeconds = (t2 - t1) / 1e9;
        System.out.println("side,shape,tokens,config,hessian_seconds,fasterquant_seconds,total_seconds");
        System.out.printf(Locale.ROOT, "lmqt,%s,%d,%s,%.3f,%.3f,%.3f%n", shape, tokens, config, hessianSeconds,
                quantSeconds, hessianSeconds + quantSeconds);
        if (!noReference) {
            reference(w, x, out, in, c, q, hessianSeconds + quantSeconds);
        }
        return 0;
    }

    private void reference(float[] w, float[] x, int out, int in, QuantConfig c, GptqMatrix q, double ours)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("bench-gptq");
        try {
            Path wf = PythonReference.writeFloats(dir.resolve("w.bin"), w);
            Path xf = PythonReference.writeFloats(dir.resolve("x.bin"), x);
            Path codes = dir.resolve("codes.bin");
            Optional<String> result = PythonReference.run("gptq_torch.py", List.of(wf.toString(), xf.toString(),
                    Integer.toString(out), Integer.toString(in), Integer.toString(tokens), Integer.toString(seqLen),
                    Integer.toString(c.bits()), Integer.toString(c.group()), codes.toString()));
            if (result.isEmpty()) {
                System.out.println(PythonReference.NOT_MEASURED);
                return;
            }
            String line = result.get();
            String[] f = line.split(",");
            double refH = Double.parseDouble(f[0]);
            double refQ = Double.parseDouble(f[1]);
            System.out.printf(Locale.ROOT, "pytorch,%s,%d,%s,%.3f,%.3f,%.3f%n", shape, tokens, config, refH, refQ,
                    refH + refQ);
            byte[] theirs = Files.readAllBytes(codes);
            long same = 0;
            for (int i = 0; i < theirs.length; i++) {
                if ((theirs[i] & 0xff) == q.code(i / in, i % in)) {
                    same++;
                }
            }
            System.out.printf(Locale.ROOT, "lmqt speed-up over pytorch (one thread): %.2fx; codes equal: %.3f %%%n",
                    (refH + refQ) / ours, 100.0 * same / theirs.length);
        } finally {
            FileTrees.delete(dir);
        }
    }

    private static void warmUp(QuantConfig c) {
        int n = 256;
        SplittableRandom rnd = new SplittableRandom(0);
        float[] x = new float[2 * n * n];                                 // [2n, n]
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) gaussian(rnd);
        }
        GptqHessian h = new GptqHessian(n);
        try (NDManager nd = NDManager.newBaseManager(ComputeDevice.CPU.djlDevice())) {
            h.addSequence(nd.create(x, new Shape(2 * n, n)));
        }
        // a few rounds: the vector kernels are compiled by C2 only after several calls
        for (int round = 0; round < 6; round++) {
            new GptqQuantizer().quantize(java.util.Arrays.copyOf(x, n * n), new int[] {n, n},
                    new QuantConfig(c.bits(), Math.min(c.group(), n)), h);
        }
    }

    private static double gaussian(SplittableRandom rnd) {
        // Box-Muller: two uniforms, one normal
        return Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }
}
