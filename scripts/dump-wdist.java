///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Dump |w| percentiles and kurtosis of every weight matrix and norm: wdist-<model>.csv.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.metadata.DumpCommand;
import org.lmqt.metadata.MetadataKind;
import picocli.CommandLine.Command;

@Command(name = "dump-wdist", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Dump |w| percentiles and kurtosis of every weight matrix and norm: wdist-<model>.csv.", "Writes the weight-distribution table (Fig. 2), named and shaped like the original's; a rerun skips complete files."},
        footer = {"", "Example:",
                "  ./jbang scripts/make-tiny-llama.java --output-dir out/tiny-llama",
                "  ./jbang scripts/dump-wdist.java --model out/tiny-llama --output-dir out/meta"})
class dump_wdist extends DumpCommand {
    public static void main(String... args) {
        Cli.exit(new dump_wdist(), args);
    }

    @Override
    protected MetadataKind kind() {
        return MetadataKind.WDIST;
    }
}
