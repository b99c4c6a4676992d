///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION ViT experiment harness: CLIP models x fp16/hqq/mxq x configs, zero-shot classification or linear probe, resumable.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.device.ComputeDevice;
import org.lmqt.harness.Algo;
import org.lmqt.harness.Harness;
import org.lmqt.harness.ModelRef;
import org.lmqt.harness.MxqVariantOptions;
import org.lmqt.harness.Plan;
import org.lmqt.harness.Task;
import org.lmqt.vit.LinearProbe;
import org.lmqt.vit.VitPlan;
import org.lmqt.vit.VitRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "quant-vit", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"The original's 'cli.py vit': for every CLIP model x algo (fp16, hqq, mxq) x config, quantize "
                + "the MLPs as the model loads and run zero-shot classification (eval_zeroshot_cls) or the linear "
                + "probe (eval_linear_probe) on an image data set; writes progress.csv, partial-<algo>-<model>-<cfg>.csv "
                + "and result-<experiment>-<stamp>.csv under <result-dir>/<experiment>/, resumable like quant-llm. "
                + "--model takes CLIP folders (Hugging Face or open_clip layout) or Hugging Face ids in the local "
                + "cache (not the original's indices). --data is <root>/{train,test}/<class>/*.jpg|png or "
                + "<root>/{train,test}/*.tar webdataset shards with <root>/classnames.txt. Exit code 0 when every "
                + "subtask is done, 1 when some failed."},
        footer = {"", "Example:", "  ./jbang scripts/make-shapes.java --output-dir out/shapes",
                "  ./jbang scripts/quant-vit.java --model ../shared/fixtures/clip/tiny-clip-gelu",
                "      --algo fp16 hqq mxq --config b4g64 4.00 --task eval_linear_probe",
                "      --data out/shapes --probe-batch-size 16 --result-dir out/vit"})
class quant_vit implements Callable<Integer> {
    @Option(names = "--model", required = true, arity = "1..*", paramLabel = "DIR|HF-ID",
            description = "CLIP models: folders or Hugging Face ids in the local cache.")
    List<String> models;

    @Option(names = "--algo", required = true, arity = "1..*", paramLabel = "ALGO", description = "fp16, hqq, mxq.")
    List<String> algos;

    @Option(names = "--config", arity = "1..*", paramLabel = "CFG", description = "bXgY names (hqq) and bit budgets "
            + "such as 4.00 (mxq); default: the original's 12 HQQ configs and its 18 ViT budgets 7.80 ... 3.00.")
    List<String> configs = List.of();

    @Option(names = "--task", required = true, paramLabel = "TASK", description = "eval_zeroshot_cls, eval_linear_probe.")
    String task;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The image data set (train and "
            + "test splits; zero-shot uses test only).")
    Path data;

    @Option(names = "--experiment-name", paramLabel = "NAME", description = "Sub-folder of --result-dir (default, "
            + "also for names under 3 characters: <task>-<algos>-<configs>).")
    String experiment;

    @Option(names = "--result-dir", paramLabel = "DIR", description = "Root of the results (default: ${DEFAULT-VALUE}).")
    Path resultDir = Path.of("results");

    @Option(names = "--fnorm-dir", paramLabel = "DIR", description = "Where MXQ reads fnorm-<model>.csv, computing it "
            + "(with the kurtosis joined) when missing (default: <result-dir>/fnorm).")
    Path fnormDir;

    @Mixin
    MxqVariantOptions mxq;

    @Option(names = "--image-batch", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int imageBatch = 64;

    @Option(names = "--probe-lr", description = "Linear-probe learning rate (default: the original's ${DEFAULT-VALUE}).")
    double probeLr = LinearProbe.ORIGINAL.lr();

    @Option(names = "--probe-epochs", description = "Linear-probe epochs (default: the original's ${DEFAULT-VALUE}).")
    int probeEpochs = LinearProbe.ORIGINAL.epochs();

    @Option(names = "--probe-batch-size", description = "Linear-probe batch size (default: the original's "
            + "${DEFAULT-VALUE}).")
    int probeBatch = LinearProbe.ORIGINAL.batchSize();

    @Option(names = "--probe-seed", description = "Linear-probe initialisation and shuffling seed (default: "
            + "${DEFAULT-VALUE}).")
    long probeSeed = LinearProbe.ORIGINAL.seed();

    @Option(names = "--device", paramLabel = "cpu|cuda", description = "Where models run (default: $"
            + ComputeDevice.ENV + ", else cpu).")
    String device;

    @Option(names = "--threads", description = "Threads of the FNorm computation (default: ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--fail-fast", description = "Stop at the first failing subtask (the original's behaviour).")
    boolean failFast;

    @Option(names = "--dry-run", description = "Print the plan (which subtasks would run, which are done) and stop.")
    boolean dryRun;

    public static void main(String... args) {
        Cli.exit(new quant_vit(), args);
    }

    @Override
    public Integer call() {
        Task t = Task.parse(task);
        List<Algo> algoList = algos.stream().map(Algo::parse).toList();
        Plan plan = VitPlan.of(models.stream().map(ModelRef::parse).toList(), algoList, configs, t);
        String name = experiment == null || experiment.length() < 3
                ? Plan.defaultExperimentName(t, algoList, configs) : experiment;
        VitRunner runner = new VitRunner(new VitRunner.Settings(data,
                fnormDir != null ? fnormDir : resultDir.resolve("fnorm"), mxq.toOptions(),
                device == null ? ComputeDevice.fromEnvironment() : ComputeDevice.parse(device), threads, imageBatch,
                new LinearProbe(probeLr, probeEpochs, probeBatch, 0.0, probeSeed)));
        runner.check(plan);
        Harness.Outcome out = new Harness(new Harness.Settings(resultDir, name, failFast, dryRun), runner, System.out)
                .run(plan);
        return dryRun ? 0 : out.exitCode();
    }
}
