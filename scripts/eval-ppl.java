///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Perplexity of a Llama-family model (or quantized snapshot) on WikiText-2, C4 or a text file (the original's protocol).
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.cli.ProgressBar;
import org.lmqt.eval.EvalTextOptions;
import org.lmqt.eval.KlDivergence;
import org.lmqt.eval.ReferenceLogits;
import org.lmqt.eval.MemoryProbe;
import org.lmqt.eval.Perplexity;
import org.lmqt.eval.PerplexityCsv;
import org.lmqt.eval.PerplexityResult;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.KvPolicy;
import org.lmqt.model.ModelOptions;
import org.lmqt.quant.kv.KvOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval-ppl", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Sliding-window perplexity as the original measures it: documents joined with \"\\n\\n\", one "
                + "tokenization, windows of --max-length tokens every --stride tokens, loss on the tokens new to each "
                + "window, exp(sum NLL / N). Prints the result and a CSV row (appended to --output)."},
        footer = {"", "Example:", "  ./jbang scripts/eval-ppl.java --model DIR --text ../shared/corpus/moby-dick.txt "
                + "--max-length 256 --stride 128",
                "  ./jbang scripts/eval-ppl.java --model out/pipeline/tiny-llama --text data/corpus/moby-dick-chapter-1.txt "
                + "--max-length 256 --stride 128 --kv kivi2-g32-r32"})
class eval_ppl implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    KvOptions kvOptions;

    @Mixin
    EvalTextOptions evalText;







    @Option(names = "--kl-reference", paramLabel = "DIR|HF-ID|FILE",
            description = "Also report the KL divergence of the model's next-token distributions from this "
                    + "(unquantized) model's on the same windows: mean, median, p99, max and top-1 agreement. A "
                    + ".safetensors file is reference logits written by --save-logits (same text and windows).")
    String klReference;

    @Option(names = "--save-logits", paramLabel = "FILE.safetensors",
            description = "Write the model's logits of every scored position (F32, one tensor per window), for "
                    + "later --kl-reference runs: the reference model's pass is done once.")
    Path saveLogits;

    @Option(names = "--output", paramLabel = "CSV", description = "Append the result row to this CSV file.")
    Path output;

    public static void main(String... args) {
        Cli.exit(new eval_ppl(), args);
    }

    @Override
    public Integer call() {
        Perplexity protocol = evalText.protocol();
        String body = evalText.body();
        String datasetName = evalText.name();
        MemoryProbe memory = new MemoryProbe(modelOptions.device());   // the model's memory counts, as in the original
        try (LoadedModel m = modelOptions.load()) {
            KvPolicy kv = kvOptions.applyTo(m);   // each window: one prefill with prefill_with_quant (README)
            if (kv != KvPolicy.EXACT) {
                System.out.println(KvOptions.memoryLine(kv, m.model().config()));
            }
            String quantLabel = kv == KvPolicy.EXACT ? modelOptions.quantLabel()
                    : modelOptions.config == null && modelOptions.allocation == null ? "kv " + kv.name()
                    : modelOptions.quantLabel() + " + kv " + kv.name();
            memory.sample();
            long[] ids = evalText.tokens(m.requireTokenizer(), body);
            PerplexityResult r;
            try (ProgressBar bar = new ProgressBar("ppl " + m.shortId() + " " + datasetName,
                    protocol.windows(ids.length).length)) {
                r = protocol.evaluate(m.model(), ids, memory, k -> bar.step());
            }
            System.out.printf(Locale.ROOT, "%s (%s) on %s: perplexity %.4f over %d tokens, %d windows, "
                            + "%.3f s/window, %.1f tokens/s, peak memory %.1f MiB (%s)%n", m.shortId(),
                    quantLabel, datasetName, r.perplexity(), r.tokens(), r.windows(),
                    r.meanWindowSeconds(), r.tokensPerSecond(), r.peakMemoryBytes() / 1048576.0, memory.kind());
            int windows = protocol.windows(ids.length).length;
            if (saveLogits != null) {
                try (ProgressBar bar = new ProgressBar("logits " + m.shortId(), windows)) {
                    ReferenceLogits.save(m.model(), protocol, ids, saveLogits, k -> bar.step());
                }
                System.out.printf(Locale.ROOT, "wrote the logits of %d windows to %s%n", windows, saveLogits);
            }
            Optional<KlDivergence.Result> kl = Optional.empty();
            if (klReference != null) {
                boolean file = klReference.endsWith(".safetensors");
                try (LoadedModel ref = file ? null : LoadedModel.open(klReference, m.model().device());
                     ReferenceLogits logits = file
                             ? ReferenceLogits.saved(Path.of(klReference), protocol, ids, m.model().manager())
                             : ReferenceLogits.of(ref.model());
                     ProgressBar bar = new ProgressBar("kld " + m.shortId(), windows)) {
                    kl = Optional.of(new KlDivergence(protocol).evaluate(m.model(), logits, ids, k -> bar.step()));
                }
                KlDivergence.Result k = kl.get();
                System.out.printf(Locale.ROOT, "KL divergence from %s over %d positions: mean %.6g, median %.6g, "
                                + "p99 %.6g, max %.6g nats; same top token %.2f %%%n", klReference, k.positions(),
                        k.mean(), k.median(), k.p99(), k.max(), 100 * k.top1Agree());
            }
            String row = PerplexityCsv.row(m.shortId(), quantLabel, datasetName,
                    m.model().device().toString(), protocol, r, memory.kind(), kl);
            System.out.println(PerplexityCsv.HEADER);
            System.out.println(row);
            if (output != null) {
                PerplexityCsv.append(output, row);
            }
        }
        return 0;
    }
}
