///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Dump the Pearson kurtosis of every weight matrix: kurtosis-<model>.csv.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.metadata.DumpCommand;
import org.lmqt.metadata.MetadataKind;
import picocli.CommandLine.Command;

@Command(name = "dump-kurtosis", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Dump the Pearson kurtosis of every weight matrix: kurtosis-<model>.csv.", "Writes the kurtosis table, named and shaped like the original's; a rerun skips complete files."},
        footer = {"", "Example:",
                "  ./jbang scripts/make-tiny-llama.java --output-dir out/tiny-llama",
                "  ./jbang scripts/dump-kurtosis.java --model out/tiny-llama --output-dir out/meta"})
class dump_kurtosis extends DumpCommand {
    public static void main(String... args) {
        Cli.exit(new dump_kurtosis(), args);
    }

    @Override
    protected MetadataKind kind() {
        return MetadataKind.KURTOSIS;
    }
}
