///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Proxy validation: quantize one matrix (or block part) at a time, measure ΔPPL and KL, correlate them with FNorm, kurtosis and sensitivity.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.proxy.CorrelateCommand;
import picocli.CommandLine.Command;

@Command(name = "correlate", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Proxy validation: quantizes one matrix (--unit matrix) or one block part of a layer (--unit "
                + "block-part) at a time with --config, the rest in full precision, and measures the change in "
                + "perplexity and the mean KL divergence to the unquantized model on the evaluation text (reference "
                + "logits computed once). Joins FNorm, kurtosis and (with --sensitivity) sensitivity, and reports "
                + "Pearson's and Spearman's correlations with p-values and seeded bootstrap intervals: a per-unit CSV "
                + "(resumable), a summary CSV and table, and a scatter figure (offline HTML)."},
        footer = {"", "Example:",
                "  ./jbang scripts/make-tiny-llama.java --output-dir out/tiny-llama",
                "  ./jbang scripts/correlate.java --model out/tiny-llama --config b3g64 --text "
                        + "data/corpus/moby-dick-chapter-1.txt --max-length 256 --stride 128 --max-tokens 1024 "
                        + "--output-dir out/correlate"})
class correlate extends CorrelateCommand {
    public static void main(String... args) {
        Cli.exit(new correlate(), args);
    }
}
