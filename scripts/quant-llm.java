///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Experiment harness: quantize models x algos x configs, evaluate perplexity, storage or lm-eval tasks, resume after a crash, combine the results.
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
import org.lmqt.slurm.ArrayStatus;
import org.lmqt.slurm.JobArray;
import org.lmqt.slurm.JvmCommand;
import org.lmqt.slurm.Slurm;
import org.lmqt.slurm.SlurmOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "quant-llm", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"The original's 'cli.py llm': for every model x algo x config, quantize (snapshots cached under "
                + "--quant-snapshot-dir and reused) and run the task; writes progress.csv, partial-<algo>-<model>-<cfg>.csv "
                + "and result-<experiment>-<stamp>.csv under <result-dir>/<experiment>/. Kill it at any time and run the "
                + "same command again: finished subtasks are skipped. --model takes model folders or Hugging Face ids "
                + "(not the original's indices). Exit code 0 when every subtask is done, 1 when some failed. With --slurm "
                + "the pending subtasks go to a Slurm job array instead (see README, Running on a cluster)."},
        footer = {"", "Example:", "  ./jbang scripts/make-tiny-llama.java --output-dir out/tiny",
                "  ./jbang scripts/quant-llm.java --model out/tiny --algo hqq mxq",
                "      --config b4g64 4.25 --task eval_ppl --max-tokens 2048",
                "      --dataset ../shared/corpus/moby-dick.txt --max-length 256",
                "      --stride 128 --result-dir out/results",
                "      --quant-snapshot-dir out/snapshots",
                "  ./jbang scripts/quant-llm.java --model out/tiny --algo fp16 hqq --config b4g64 --kv none kivi2",
                "      --task eval_ppl --dataset ../shared/corpus/moby-dick.txt --max-tokens 2048 --max-length 256",
                "      --stride 128 --result-dir out/results --quant-snapshot-dir out/snapshots",
                "  ./jbang scripts/quant-llm.java --model out/tiny-tok --algo fp16 hqq --config b4g64 --task eval_zeroshot",
                "      --zeroshot-tasks arc_easy,mmlu --limit 20 --result-dir out/results --quant-snapshot-dir out/snapshots",
                "  (add --slurm --partition debug --max-parallel 2 to submit either as a Slurm job array; --status follows it)"})
class quant_llm implements Callable<Integer> {
    @Option(names = "--model", required = true, arity = "1..*", paramLabel = "DIR|HF-ID",
            description = "Models: folders or Hugging Face ids in the local cache.")
    List<String> models;

    @Option(names = "--algo", required = true, arity = "1..*", paramLabel = "ALGO", description = "fp16, rtn, hqq, mxq, bnb, gptq, awq, smoothquant, zeroquant, fp8, fp4, mxfp8, mxfp4, mxq-gptq, mxq-nf4 (mxq with --base-method gptq or nf4).")
    List<String> algos;

    @Option(names = "--config", arity = "1..*", paramLabel = "CFG", description = "bXgY names (hqq, rtn) and bit "
            + "budgets such as 4.25 (mxq); default: every config of each algo.")
    List<String> configs = List.of();

    @Option(names = "--kv", arity = "1..*", paramLabel = "KV", description = "KV-cache methods, a grid dimension "
            + "(eval_ppl only): none, kivi2, kivi4, kivi-k4v2 (-g<group>-r<residual>), naive8, kvquant4 (calibrated "
            + "on the first 16 --calib-data windows); default: none.")
    List<String> kvs = List.of("none");

    @Option(names = "--task", required = true, paramLabel = "TASK", description = "quant, eval_ppl, eval_model_storage, "
            + "eval_zeroshot (lmqt's: lm-eval's tasks from the hub cache, columns acc_<task>, ...).")
    String task;

    @Option(names = "--zeroshot-tasks", split = ",", paramLabel = "TASK", description = "eval_zeroshot's tasks: "
            + "arc_easy, arc_challenge, hellaswag, piqa, winogrande, boolq, openbookqa, lambada_openai, mmlu "
            + "(or mmlu_stem, mmlu_other, mmlu_social_sciences, mmlu_humanities); default: those of them whose "
            + "datasets are in the hub cache.")
    List<String> zeroshotTasks = List.of();

    @Option(names = "--num-fewshot", description = "eval_zeroshot's few-shot examples per context, every task "
            + "(default: ${DEFAULT-VALUE}).")
    int numFewshot = 0;

    @Option(names = "--limit", paramLabel = "N", description = "eval_zeroshot: only the first N documents of each "
            + "task (of each MMLU subject).")
    Integer limit;

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

    @Mixin
    SlurmOptions slurm;

    @Spec
    CommandSpec spec;

    public static void main(String... args) {
        Cli.exit(new quant_llm(), args);
    }

    @Override
    public Integer call() {
        Task t = Task.parse(task);
        List<Algo> algoList = algos.stream().map(Algo::parse).map(a -> a == Algo.MXQ ? mxq.mxqAlgo() : a).toList();
        Plan plan = Plan.of(models.stream().map(ModelRef::parse).toList(), algoList, configs, kvs, t);
        String name = experiment == null || experiment.length() < 3
                ? Plan.defaultExperimentName(t, algoList, configs, kvs) : experiment;
        ModelRunner runner = new ModelRunner(new ModelRunner.Settings(snapshotDir,
                fnormDir != null ? fnormDir : snapshotDir.resolve("fnorm"), mxq.toOptions(),
                datasets.stream().map(PplDataset::parse).toList(), new Perplexity(maxLength, stride),
                maxTokens == null ? OptionalInt.empty() : OptionalInt.of(maxTokens),
                device == null ? ComputeDevice.fromEnvironment() : ComputeDevice.parse(device), threads,
                new ModelRunner.Calibration(java.util.Optional.ofNullable(calibData),
                        new GptqCalibration.Settings(calibWindows, calibLength, GptqCalibration.Settings.DEFAULT.seed())),
                kl, new ModelRunner.Zeroshot(zeroshotTasks, numFewshot, java.util.Optional.ofNullable(limit),
                        org.lmqt.checkpoint.HubCache.cacheDir())), mxq.objective());
        Harness.Settings settings = new Harness.Settings(resultDir, name, failFast, dryRun);
        Harness harness = new Harness(settings, runner, System.out);
        if (slurm.status()) {
            ArrayStatus.print(settings.experimentDir(), name, plan, Slurm.fromEnvironment(), System.out);
            return 0;
        }
        if (slurm.subtask().isPresent()) {
            return harness.runOne(plan, slurm.subtask().getAsInt()).exitCode();
        }
        if (slurm.combine()) {
            return harness.combine(plan).exitCode();
        }
        if (slurm.submits()) {
            List<String> command = new java.util.ArrayList<>(JvmCommand.current(quant_llm.class));
            command.addAll(SlurmOptions.forwarded(spec.commandLine().getParseResult().originalArgs()));
            return new JobArray(settings, plan, command, slurm.resources(), Path.of(""), System.getenv())
                    .submit(Slurm.fromEnvironment(), slurm.dryRun(), System.out, java.time.LocalDateTime.now());
        }
        Harness.Outcome out = harness.run(plan);
        return dryRun ? 0 : out.exitCode();
    }
}
