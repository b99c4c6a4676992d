///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Needle in a haystack: a needle sentence at depths 0-100 % of growing contexts, greedy answers scored, CSV and heat map.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.cli.ProgressBar;
import org.lmqt.cli.UserException;
import org.lmqt.eval.EvalText;
import org.lmqt.eval.niah.Haystack;
import org.lmqt.eval.niah.NeedleSpec;
import org.lmqt.eval.niah.NiahHeatMap;
import org.lmqt.eval.niah.NiahPrompt;
import org.lmqt.eval.niah.NiahRow;
import org.lmqt.eval.niah.NiahRun;
import org.lmqt.eval.niah.Responder;
import org.lmqt.eval.niah.TokenCodec;
import org.lmqt.model.KvPolicy;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.ModelOptions;
import org.lmqt.quant.kv.KvOptions;
import org.lmqt.report.FigureOptions;
import org.lmqt.serve.ChatTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval-niah", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Needle in a haystack: the needle sentence is put at every depth (0-100 %) of contexts of "
                + "every length (tokens, haystack repeated and cut to the exact length, the needle after a sentence "
                + "end as gkamradt's LLMTest_NeedleInAHaystack places it), the question asked (with the model's chat "
                + "template when it has one, plain otherwise), the greedy answer scored: score = the normalised "
                + "expected answer occurs in the normalised answer, exact_match = it is the answer or the needle. "
                + "Rows go to --output (resumable: finished cells are skipped); a heat map per model and "
                + "quantization of that file goes to --output-dir. --task passkey runs the passkey variant (a "
                + "number in filler text, completed after 'The pass key is')."},
        footer = {"", "Example (figures: out/niah/niah-tiny-llama-none.html, ...):",
                "  ./jbang scripts/make-tiny-llama.java --output-dir out/tiny-llama",
                "  ./jbang scripts/eval-niah.java --model out/tiny-llama \\",
                "      --lengths 256,512,1024 --depth-step 25 --max-new-tokens 16 \\",
                "      --output out/niah/niah.csv --output-dir out/niah",
                "  ./jbang scripts/eval-niah.java --model out/tiny-llama --config b4g64 \\",
                "      --kv kivi2 --lengths 256,512,1024 --depth-step 25 \\",
                "      --max-new-tokens 16 --output out/niah/niah.csv --output-dir out/niah"})
class eval_niah implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    KvOptions kvOptions;

    @Option(names = "--lengths", split = ",", paramLabel = "TOKENS", defaultValue = "1000,2000,3000",
            description = "Context lengths in tokens, haystack and needle (default: ${DEFAULT-VALUE}).")
    List<Integer> lengths;

    @Option(names = "--depth-step", defaultValue = "10", paramLabel = "PERCENT",
            description = "Depths 0, step, ..., 100 % (default: ${DEFAULT-VALUE}).")
    double depthStep;

    @Option(names = "--depths", split = ",", paramLabel = "PERCENT",
            description = "Explicit depths in percent instead of --depth-step (e.g. 0,50,100).")
    List<Double> depths;

    @Option(names = "--task", defaultValue = "niah", paramLabel = "niah|passkey",
            description = "niah: the needle sentence and its question (gkamradt's setup); passkey: a pass key in "
                    + "the filler text, as KIVI and qllm-infer test it (default: ${DEFAULT-VALUE}).")
    String task;

    @Option(names = "--haystack", paramLabel = "FILE",
            description = "Haystack text, repeated as needed (default: data/corpus/moby-dick-chapter-1.txt; the "
                    + "whole book: ../shared/corpus/moby-dick.txt; passkey: its filler sentences).")
    Path haystack;

    @Option(names = "--needle", paramLabel = "TEXT",
            description = "niah: the needle sentence, put on a line of its own (default: " + NeedleSpec.SF_NEEDLE
                    + ").")
    String needle;

    @Option(names = "--question", paramLabel = "TEXT",
            description = "niah: the retrieval question (default: " + NeedleSpec.SF_QUESTION + ").")
    String question;

    @Option(names = "--expected", paramLabel = "TEXT",
            description = "niah: the expected answer the score looks for (default: " + NeedleSpec.SF_ANSWER + ").")
    String expected;

    @Option(names = "--passkey", paramLabel = "N",
            description = "passkey: the key (default: drawn from --seed in 1..50000).")
    Long passkey;

    @Option(names = "--seed", defaultValue = "0", description = "passkey: seed of the key (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message before the question.")
    String system;

    @Option(names = "--plain", description = "Ignore the model's chat template; ask as a plain completion.")
    boolean plain;

    @Option(names = "--prefill-with-quant",
            description = "With --kv: the prompt's attention reads the quantized cache too (default: the exact keys "
                    + "and values, as the references generate).")
    boolean prefillWithQuant;

    @Option(names = "--max-new-tokens", defaultValue = "48", description = "Answer tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--output", paramLabel = "CSV",
            description = "Result file, appended to and resumed from (default: out/niah/<task>.csv).")
    Path output;

    @Mixin
    FigureOptions figures;

    public static void main(String... args) {
        Cli.exit(new eval_niah(), args);
    }

    @Override
    public Integer call() {
        NeedleSpec spec = needleSpec();
        NiahRun grid;
        try {
            grid = new NiahRun(lengths, depths != null ? depths : Haystack.depths(depthStep), maxNewTokens);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        figures.exports();   // a bad --export fails before the grid runs
        if (haystack != null && !Files.isRegularFile(haystack)) {
            throw new UserException("no such haystack file: " + haystack);
        }
        String text = haystack != null ? EvalText.plain(haystack)
                : spec.style() == NeedleSpec.Style.PASSKEY ? NeedleSpec.PASSKEY_FILLER + " "
                : EvalText.plain(Path.of("data/corpus/moby-dick-chapter-1.txt"));
        Path csv = output != null ? output : Path.of("out/niah", NiahHeatMap.prefix(spec.style()) + ".csv");
        try (LoadedModel m = modelOptions.load()) {
            TokenCodec codec = TokenCodec.of(m.requireTokenizer());
            KvPolicy kv = kvOptions.applyTo(m);
            if (prefillWithQuant && kv == KvPolicy.EXACT) {
                throw new UserException("--prefill-with-quant needs a --kv method");
            }
            String quant = modelOptions.quantLabel() + (kv == KvPolicy.EXACT ? ""
                    : " kv " + kv.name() + (prefillWithQuant ? " prefill-quant" : ""));
            Haystack hay;
            try {
                hay = Haystack.of(codec, text, spec.insertedText(), grid.maxLength());
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
            Optional<ChatTemplate> template = plain ? Optional.empty() : Optional.of(ChatTemplate.of(m.dir()));
            NiahPrompt prompt;
            try {
                prompt = NiahPrompt.of(codec, template, Optional.ofNullable(system), spec);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
            System.err.printf(Locale.ROOT, "%s (%s): %d lengths x %d depths, %s prompt (+%d tokens), needle %d "
                    + "tokens%n",
                    m.shortId(), quant, grid.lengths().size(), grid.depths().size(),
                    template.isPresent() && template.get().fromModel() ? "chat-template" : "plain", prompt.overhead(),
                    hay.needleLength());
            List<NiahRow> rows;
            try (ProgressBar bar = new ProgressBar("niah " + m.shortId(), grid.cells())) {
                Responder greedy = Responder.greedy(m.model(), codec, prefillWithQuant);
                rows = grid.run(hay, prompt, spec, greedy, m.shortId(), quant, csv, bar::step);
            }
            figures.write(NiahHeatMap.runs(rows).stream().map(run -> NiahHeatMap.build(rows, spec.style(),
                    run.getKey(), run.getValue())).toList());
            List<NiahRow> mine = rows.stream()
                    .filter(r -> r.model().equals(m.shortId()) && r.quantization().equals(quant)).toList();
            System.out.printf(Locale.ROOT, "%s (%s): score %.3f, exact match %.3f over %d cells -> %s%n", m.shortId(),
                    quant, mine.stream().mapToInt(NiahRow::score).average().orElse(0),
                    mine.stream().mapToInt(NiahRow::exactMatch).average().orElse(0), mine.size(), csv);
        }
        return 0;
    }

    /** The needle, question and answer of --task and the needle options; one line for options that do not fit. */
    private NeedleSpec needleSpec() {
        try {
            switch (task) {
                case "niah":
                    if (passkey != null) {
                        throw new UserException("--passkey is for --task passkey");
                    }
                    return new NeedleSpec(needle != null ? needle : NeedleSpec.SF_NEEDLE,
                            question != null ? question : NeedleSpec.SF_QUESTION,
                            expected != null ? expected : NeedleSpec.SF_ANSWER);
                case "passkey":
                    if (needle != null || question != null || expected != null) {
                        throw new UserException("--needle, --question and --expected are for --task niah");
                    }
                    return NeedleSpec.passkey(passkey != null ? passkey : NeedleSpec.passkeyFor(seed));
                default:
                    throw new UserException("unknown --task " + task + " (use niah or passkey)");
            }
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }
}
