///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Sensitivity of every block part to quantization on calibration data (the original's dump.py sensi).
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.sensitivity.SensitivityDump;
import org.lmqt.sensitivity.SensitivityRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "dump-sensi", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Sensitivity of every block part to quantization on calibration data (the original's dump.py sensi).",
                "For each model, calibration set and config: sensitivity = mean((y - y')^2) of each block part's output "
                        + "(attn_in, attn_out, mlp_gate, mlp_down) when only its weights are quantized, with the "
                        + "unquantized model's activations. Columns dataset,part,model,nbits,group_size,layer,sensitivity "
                        + "in the original's order. Calibration: 128 records (shuffle seed 42, at most 512 tokens "
                        + "each), concatenated into blocks of 512. A rerun skips finished (dataset, config, model) "
                        + "combinations."},
        footer = {"", "Example:",
                "  ./jbang scripts/make-tiny-llama.java --output-dir out/tiny-llama",
                "  ./jbang scripts/dump-sensi.java --model out/tiny-llama --config b4g64 b2g32 \\",
                "      --calib-dataset ../shared/corpus/moby-dick.txt --output-file out/sensi.csv"})
class dump_sensi implements Callable<Integer> {
    @Option(names = "--model", arity = "1..*", required = true, paramLabel = "DIR|HF-ID",
            description = "Model folders or Hugging Face ids in the local cache (with tokenizer.json).")
    List<String> models;

    @Option(names = "--quant-method", defaultValue = "hqq", paramLabel = "hqq|rtn|bnb",
            description = "Quantizer (default: ${DEFAULT-VALUE}); bnb is bitsandbytes NF4 with double quantization in "
                    + "blocks of the config's group size, always 4-bit (the config's bits are ignored, as in the original).")
    String method;

    @Option(names = "--config", arity = "1..*", defaultValue = "b4g64", paramLabel = "bXgY",
            description = "Configs to score (default: ${DEFAULT-VALUE}).")
    List<String> configs;

    @Option(names = "--calib-dataset", arity = "1..*", defaultValue = "pileval", paramLabel = "NAME|FILE",
            description = "pileval, wikitext, bos, c4 (from the HF hub cache), another HF dataset id in the cache, or "
                    + "a .txt/.jsonl/.json.gz/.parquet/.csv file (default: ${DEFAULT-VALUE}).")
    List<String> datasets;

    @Option(names = "--output-file", defaultValue = "sensi.csv", paramLabel = "CSV",
            description = "The CSV to write (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--device", paramLabel = "cpu|cuda",
            description = "Where to run (default: $" + ComputeDevice.ENV + ", else cpu).")
    String device;

    @Option(names = "--original-gqa",
            description = "Skip attn_out of GQA models as the original does (by default it is measured: o_proj alone).")
    boolean originalGqa;

    public static void main(String... args) {
        Cli.exit(new dump_sensi(), args);
    }

    @Override
    public Integer call() {
        QuantMethod m = switch (method.toLowerCase(Locale.ROOT)) {
            case "hqq" -> QuantMethod.HQQ;
            case "rtn" -> QuantMethod.RTN;
            case "bnb" -> QuantMethod.NF4;
            default -> throw new UserException("unknown --quant-method '" + method + "' (hqq, rtn or bnb)");
        };
        List<QuantConfig> parsed;
        try {
            parsed = configs.stream().map(QuantConfig::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        ComputeDevice dev = device == null ? ComputeDevice.fromEnvironment() : ComputeDevice.parse(device);
        long start = System.nanoTime();
        List<SensitivityRow> rows = new SensitivityDump(models, m, parsed, datasets, output, dev, !originalGqa).run();
        System.out.printf(Locale.ROOT, "wrote %s: %d rows in %.1f s%n", output, rows.size(),
                (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
