package org.lmqt.metadata;

import java.nio.file.Path;
import java.util.Optional;
import org.lmqt.calib.CalibrationWindows;
import org.lmqt.calib.GptqCalibration;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.TextTokenizer;
import org.lmqt.quant.QuantMethod;
import picocli.CommandLine.Option;

/**
 * {@code dump-fnorm}: the original's FNorm table (HQQ, the default), or with {@code --method} that of RTN, NF4, GPTQ
 * or AWQ ({@link MethodFnorm}); the calibrated methods draw their windows as the harness does ({@code --calib-data},
 * {@code --calib-windows}, {@code --calib-length}, {@code --calib-seed}).
 */
public class FnormDumpCommand extends DumpCommand {
    @Option(names = "--method", paramLabel = "rtn|hqq|gptq|awq|nf4", description = "Quantizer whose errors the table "
            + "holds (default: ${DEFAULT-VALUE}, the original's table); non-default methods write "
            + "fnorm-<model>-<method>.csv, gptq and awq with an output_fnorm column.")
    protected String method = "hqq";

    @Option(names = "--calib-data", paramLabel = "FILE", description = "gptq/awq calibration documents (text lines, "
            + "JSON lines, parquet or CSV with a text column; the first 1024 are used); default: c4's "
            + "en/c4-train.00001-of-01024.json.gz from the hub cache, as the harness.")
    protected Path calibData;

    @Option(names = "--calib-windows", description = "gptq/awq calibration windows (default: ${DEFAULT-VALUE}).")
    protected int calibWindows = GptqCalibration.Settings.DEFAULT.windows();

    @Option(names = "--calib-length", description = "Tokens per calibration window (default: ${DEFAULT-VALUE}).")
    protected int calibLength = GptqCalibration.Settings.DEFAULT.length();

    @Option(names = "--calib-seed", description = "Seed of the windows' random starts (default: ${DEFAULT-VALUE}).")
    protected long calibSeed = GptqCalibration.Settings.DEFAULT.seed();

    @Override
    protected MetadataKind kind() {
        return MetadataKind.FNORM;
    }

    @Override
    public Integer call() {
        QuantMethod m = MethodFnorm.parse(method);
        if (m == QuantMethod.HQQ) {
            return super.call();   // the original's table, unchanged
        }
        GptqCalibration.Settings windows = new GptqCalibration.Settings(calibWindows, calibLength, calibSeed);
        ComputeDevice dev = device == null ? ComputeDevice.fromEnvironment() : ComputeDevice.parse(device);
        for (String model : models) {
            if (org.lmqt.clip.ClipLayout.isClipFolder(org.lmqt.checkpoint.HubCache.resolve(model))) {
                throw new UserException(model + ": --method " + method + " applies to LLM checkpoints; CLIP models "
                        + "have the HQQ table only");
            }
            try (Checkpoint ckpt = Checkpoint.open(model)) {
                print(MethodFnorm.write(m, ckpt, outputDir, threads, force, dev, () -> windows(ckpt, m, windows)));
            }
        }
        return 0;
    }

    private long[][] windows(Checkpoint ckpt, QuantMethod m, GptqCalibration.Settings settings) {
        try (TextTokenizer tok = TextTokenizer.find(ckpt.dir()).orElseThrow(() -> new UserException(ckpt.dir()
                + ": " + MethodFnorm.cliName(m) + " calibrates on text and needs the model's tokenizer.json"))) {
            return new CalibrationWindows(Optional.ofNullable(calibData), settings).windows(tok::encode);
        }
    }
}
