///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Generate text with a Llama-family model (or a quantized snapshot) and optionally dump its logits.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.lmqt.Deps;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.SafetensorsWriter;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import org.lmqt.model.Generator;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.StopTokens;
import org.lmqt.model.ModelOptions;
import org.lmqt.model.KvPolicy;
import org.lmqt.model.Sampling;
import org.lmqt.quant.kv.DecodeAgreement;
import org.lmqt.quant.kv.KvOptions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = "Greedy (or sampled) continuation of a prompt; prints the text, and with --ids also the ids.",
        footer = {"", "Example:", "  ./jbang scripts/generate.java --model ../shared/fixtures/llama/tiny-llama-gqa-bf16 "
                + "--ids 1,5,9 --max-new-tokens 8",
                "  ./jbang scripts/generate.java --model out/pipeline/tiny-llama --prompt 'Call me' --kv kivi2-g32-r32 "
                + "--kv-agreement"})
class generate implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    KvOptions kvOptions;

    @Option(names = "--prefill-with-quant",
            description = "With --kv: the prompt's attention reads the quantized cache too (default: the exact keys "
                    + "and values, as the references generate).")
    boolean prefillWithQuant;

    @Option(names = "--kv-agreement",
            description = "With --kv: also continue greedily with the exact cache and print how many tokens agree "
                    + "before the first difference.")
    boolean kvAgreement;

    static class Input {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text (needs a tokenizer.json).")
        String prompt;

        @Option(names = "--ids", paramLabel = "1,2,3", split = ",", description = "Prompt token ids.")
        long[] ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--max-new-tokens", defaultValue = "32", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default); > 0 samples.")
    double temperature;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--ignore-eos", description = "Do not stop at the end-of-sequence token.")
    boolean ignoreEos;

    @Option(names = "--dump-logits", paramLabel = "FILE.safetensors",
            description = "Write the logits at every prompt position (tensor 'logits', F32, [prompt length, vocab]).")
    Path dumpLogits;

    public static void main(String... args) {
        Cli.exit(new generate(), args);
    }

    @Override
    public Integer call() {
        if (maxNewTokens < 0) {
            throw new UserException("--max-new-tokens must be >= 0");
        }
        Sampling sampling = new Sampling(temperature, seed);
        try (LoadedModel m = modelOptions.load()) {
            long[] prompt = input.ids != null ? input.ids : m.requireTokenizer().encode(input.prompt);
            if (prompt.length == 0) {
                throw new UserException("empty prompt");
            }
            KvPolicy kv = kvOptions.applyTo(m);
            if (kv != KvPolicy.EXACT) {
                System.err.println(KvOptions.memoryLine(kv, m.model().config()));
            }
            if (kvAgreement) {
                if (kv == KvPolicy.EXACT) {
                    throw new UserException("--kv-agreement needs a --kv method");
                }
                DecodeAgreement a = DecodeAgreement.measure(m.model(), prompt, maxNewTokens, prefillWithQuant);
                System.out.println("kv agreement " + kv.name() + ": " + a.agreeing() + " of " + a.quantized().length
                        + " greedy tokens equal the exact cache's before the first difference");
            }
            if (dumpLogits != null) {
                float[] logits = m.model().logits(prompt); // [T, vocab]
                new SafetensorsWriter().put("logits", DType.F32, new int[] {prompt.length, m.model().vocabSize()}, logits)
                        .write(dumpLogits);
            }
            long[] out = new Generator(m.model(), prefillWithQuant).generate(prompt, maxNewTokens, sampling,
                    ignoreEos ? Set.of() : StopTokens.eos(m.model()), id -> { });
            m.tokenizer().ifPresent(t -> System.out.println(t.decode(out)));
            if (input.ids != null) {
                System.out.println("ids: " + Arrays.stream(out).mapToObj(Long::toString).collect(Collectors.joining(",")));
            }
        }
        return 0;
    }
}
