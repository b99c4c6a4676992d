///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Experiment harness: quantize models x algos x configs, evaluate perplexity or storage, resume after a crash, combine the results.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.calib.GptqCalibration;
import org.lmqt.cli.Cli;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.Perplexity;
import org.lmqt.harness.Algo;
import org.lmqt.harness.Harness;
import org.lmqt.harness.ModelRef;
import org.lmqt.harness.ModelRunner;
import org.lmqt.harness.MxqVariantOptions;
import org.lmqt.harness.Plan;
import org.lmqt.harness.PplDataset;
import org.lmqt.harness.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "quant-llm", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"The original's 'cli.py llm': for every model x algo x config, quantize (snapshots cached under "
                + "--quant-snapshot-dir and reused) and run the task; writes progress.csv, partial-<algo>-<model>-<cfg>.csv "
                + "and result-<experiment>-<stamp>.csv under <result-dir>/<experiment>/. Kill it at any time and run the "
                + "same command again: finished subtasks are skipped. --model takes model folders or Hugging Face ids "
                + "(not the original's indices). Exit code 0 when every subtask is done, 1 when some failed."},
        footer = {"", "Example:", "  ./jbang scripts/make-tiny-llama.java --output-dir out/tiny",
                "  ./jbang scripts/quant-llm.java --model out/tiny --algo hqq mxq",
                "      --config b4g64 4.25 --task eval_ppl --max-tokens 2048",
                "      --dataset ../shared/corpus/moby-dick.txt --max-length 256",
                "      --stride 128 --result-dir out/results",
                "      --quant-snapshot-dir out/snapshots"})
class quant_llm implements Callable<Integer> {
    @Option(names = "--model", required = true, arity = "1..*", paramLabel = "DIR|HF-ID",
            description = "Models: folders or Hugging Face ids in the local cache.")
    List<String> models;

    @Option(names = "--algo", required = true, arity = "1..*", paramLabel = "ALGO", description = "fp16, rtn, hqq, mxq, bnb, gptq, awq, smoothquant, zeroquant, fp8, fp4, mxfp8, mxfp4.")
    List<String> algos;

    @Option(names = "--config", arity = "1..*", paramLabel = "CFG", description = "bXgY names (hqq, rtn) and bit "
            + "budgets such as 4.25 (mxq); default: every config of each algo.")
    List<String> configs = List.of();

    @Option(names = "--task", required = true, paramLabel = "TASK", description = "quant, eval_ppl, eval_model_storage.")
    String task;

    @Option(names = "--experiment-name", paramLabel = "NAME", description = "Sub-folder of --result-dir (default, "
            + "also for names under 3 characters: <task>-<algos>-<configs>).")
    String experiment;

    @Option(names = "--result-dir", paramLabel = "DIR", description = "Root of the results (default: ${DEFAULT-VALUE}).")
    Path resultDir = Path.of("results");

    @Option(names = "--quant-snapshot-dir", paramLabel = "DIR", description = "Root of the quantized snapshots, "
            + "<DIR>/<org>/<name>-<cfg>-<algo>/ (default: ${DEFAULT-VALUE}); use one root per MXQ variant.")
    Path snapshotDir = Path.of("snapshots");

    @Option(names = "--fnorm-dir", paramLabel = "DIR", description = "Where MXQ reads fnorm-<model>.csv, computing it "
            + "when missing (default: <quant-snapshot-dir>/fnorm).")
    Path fnormDir;

    @Mixin
    MxqVariantOptions mxq;

    @Option(names = "--dataset", arity = "1..*", paramLabel = "SET", description = "eval_ppl sets: wikitext2, c4 "
            + "(hub cache), wikitext2=FILE, c4=FILE, or a text file (reported in the ppl_wikitext columns); "
            + "default: wikitext2 c4.")
    List<String> datasets = List.of("wikitext2", "c4");

    @Option(names = "--max-length", description = "Perplexity window (default: ${DEFAULT-VALUE}).")
    int maxLength = Perplexity.ORIGINAL.maxLength();

    @Option(names = "--stride", description = "Perplexity stride (default: ${DEFAULT-VALUE}).")
    int stride = Perplexity.ORIGINAL.stride();

    @Option(names = "--max-tokens", paramLabel = "N", description = "Evaluate only the first N tokens of each set.")
    Integer maxTokens;

    @Option(names = "--calib-data", paramLabel = "FILE", description = "GPTQ's and AWQ's calibration documents (text lines, "
            + "JSON lines, parquet or CSV with a text column; the first 1024 are used); default: c4's "
            + "en/c4-train.00001-of-01024.json.gz from the hub cache, as the original.")
    Path calibData;

    @Option(names = "--calib-windows", description = "GPTQ's calibration windows (default: ${DEFAULT-VALUE}).")
    int calibWindows = GptqCalibration.Settings.DEFAULT.windows();

    @Option(names = "--calib-length", description = "Tokens per calibration window (default: ${DEFAULT-VALUE}).")
    int calibLength = GptqCalibration.Settings.DEFAULT.length();

    @Option(names = "--kl", description = "In eval_ppl of quantized models, also measure the KL divergence from the "
            + "unquantized model on the same windows (columns kld_*, top1_agree_*; loads both models).")
    boolean kl;

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
        Cli.exit(new quant_llm(), args);
    }

    @Override
    public Integer call() {
        Task t = Task.parse(task);
        List<Algo> algoList = algos.stream().map(Algo::parse).toList();
        Plan plan = Plan.of(models.stream().map(ModelRef::parse).toList(), algoList, configs, t);
        String name = experiment == null || experiment.length() < 3
                ? Plan.defaultExperimentName(t, algoList, configs) : experiment;
        ModelRunner runner = new ModelRunner(new ModelRunner.Settings(snapshotDir,
                fnormDir != null ? fnormDir : snapshotDir.resolve("fnorm"), mxq.toOptions(),
                datasets.stream().map(PplDataset::parse).toList(), new Perplexity(maxLength, stride),
                maxTokens == null ? OptionalInt.empty() : OptionalInt.of(maxTokens),
                device == null ? ComputeDevice.fromEnvironment() : ComputeDevice.parse(device), threads,
                new ModelRunner.Calibration(java.util.Optional.ofNullable(calibData),
                        new GptqCalibration.Settings(calibWindows, calibLength, GptqCalibration.Settings.DEFAULT.seed())),
                kl));
        Harness.Outcome out = new Harness(new Harness.Settings(resultDir, name, failFast, dryRun), runner, System.out)
                .run(plan);
        return dryRun ? 0 : out.exitCode();
    }
}
