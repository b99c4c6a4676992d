///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Dump the quantization error (FNorm) of the 12 MXQ configs for every weight matrix: fnorm-<model>.csv.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.metadata.FnormDumpCommand;
import picocli.CommandLine.Command;

@Command(name = "dump-fnorm", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Dump the quantization error (FNorm) of the 12 MXQ configs for every weight matrix: fnorm-<model>.csv.", "Writes the FNorm table MXQ allocates with, named and shaped like the original's; a rerun skips complete files.",
                "--method rtn|gptq|awq|nf4 writes that quantizer's table (fnorm-<model>-<method>.csv; gptq and awq on "
                        + "calibration windows, with the output error ||X W^T - X Q^T||_F as column output_fnorm)."},
        footer = {"", "Example:",
                "  ./jbang scripts/make-tiny-llama.java --output-dir out/tiny-llama",
                "  ./jbang scripts/dump-fnorm.java --model out/tiny-llama --output-dir out/meta",
                "  ./jbang scripts/dump-fnorm.java --model out/tiny-llama --output-dir out/meta --method gptq "
                        + "--calib-data docs.txt --calib-windows 8 --calib-length 128"})
class dump_fnorm extends FnormDumpCommand {
    public static void main(String... args) {
        Cli.exit(new dump_fnorm(), args);
    }
}
