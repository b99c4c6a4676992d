///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Write a seeded random Llama-family checkpoint (config.json + model.safetensors) for demos and tests.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.cli.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "make-tiny-llama", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = "Writes a seeded random Llama checkpoint in Hugging Face layout (Gaussian weights with a few outlier input channels).",
        footer = {"", "Example:", "  ./jbang scripts/make-tiny-llama.java --output-dir out/tiny-llama --layers 4 --hidden 256 --dtype bf16"})
class make_tiny_llama implements Callable<Integer> {
    private static final TinyLlama D = TinyLlama.DEFAULT;

    @Option(names = "--output-dir", required = true, paramLabel = "DIR", description = "Folder to write.")
    Path outputDir;

    @Option(names = "--layers", description = "Decoder blocks (default: ${DEFAULT-VALUE}).")
    int layers = D.layers();

    @Option(names = "--hidden", description = "Hidden size (default: ${DEFAULT-VALUE}).")
    int hidden = D.hidden();

    @Option(names = "--intermediate", description = "MLP size (default: ${DEFAULT-VALUE}).")
    int intermediate = D.intermediate();

    @Option(names = "--heads", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads = D.heads();

    @Option(names = "--kv-heads", description = "Key/value heads (default: ${DEFAULT-VALUE}).")
    int kvHeads = D.kvHeads();

    @Option(names = "--vocab", description = "Vocabulary size (default: ${DEFAULT-VALUE}).")
    int vocab = D.vocab();

    @Option(names = "--max-positions", description = "max_position_embeddings (default: ${DEFAULT-VALUE}).")
    int maxPositions = D.maxPositions();

    @Option(names = "--rope-theta", description = "RoPE base (default: ${DEFAULT-VALUE}).")
    double ropeTheta = D.ropeTheta();

    @Option(names = "--tied", description = "Tie the output head to the token embedding.")
    boolean tied = D.tied();

    @Option(names = "--dtype", description = "Storage type: ${COMPLETION-CANDIDATES} (default: bf16).")
    StorageType dtype = StorageType.BF16;

    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = D.seed();

    enum StorageType { F32, F16, BF16 }

    public static void main(String... args) {
        Cli.exit(new make_tiny_llama(), args);
    }

    @Override
    public Integer call() {
        TinyLlama spec = new TinyLlama(layers, hidden, intermediate, heads, kvHeads, vocab, maxPositions, ropeTheta,
                tied, DType.valueOf(dtype.name()), seed);
        spec.write(outputDir);
        org.lmqt.model.ByteLevelTokenizerJson.write(outputDir, vocab);
        System.out.println("wrote " + outputDir.resolve("model.safetensors") + " (" + layers + " layers, hidden " + hidden + ")");
        return 0;
    }
}
