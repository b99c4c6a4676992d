///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Print bits per parameter and memory of the quantization configs (the original's bpp formula).
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.util.List;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.quant.QuantConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bpp-table", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = "Bits per parameter (b1 + 2*b2/g1 + 32/(g1*g2)) and memory of quantization configs.",
        footer = {"", "Example:", "  ./jbang scripts/bpp-table.java --params 16777216 b4g64 b3g128"})
class bpp_table implements Callable<Integer> {
    @Option(names = "--params", description = "Parameters of one matrix for the memory column (default: ${DEFAULT-VALUE}).")
    long params = 16_777_216L;

    @picocli.CommandLine.Parameters(arity = "0..*", paramLabel = "CONFIG", description = "Config names such as b4g64 (default: the 12 MXQ candidates).")
    List<String> configs = List.of();

    public static void main(String... args) {
        Cli.exit(new bpp_table(), args);
    }

    @Override
    public Integer call() {
        List<QuantConfig> list = configs.isEmpty() ? QuantConfig.MXQ_CANDIDATES
                : configs.stream().map(QuantConfig::parse).toList();
        System.out.println("config,bpp,memmb");
        for (QuantConfig c : list) {
            System.out.println(c.name() + "," + c.bitsPerParameter() + "," + c.memoryMiB(params));
        }
        return 0;
    }
}
