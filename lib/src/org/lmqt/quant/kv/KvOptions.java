package org.lmqt.quant.kv;

import java.nio.file.Path;
import java.util.Locale;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.cli.UserException;
import org.lmqt.model.KvPolicy;
import org.lmqt.eval.EvalText;
import org.lmqt.model.LoadedModel;
import picocli.CommandLine.Option;

/** The {@code --kv} option of the model-running scripts (a picocli mixin). */
public final class KvOptions {
    @Option(names = "--kv", defaultValue = "none", paramLabel = "METHOD",
            description = "KV-cache quantization (default: ${DEFAULT-VALUE}): " + KvMethods.NAMES + ".")
    public String kv;

    /** The selected policy, or a one-line error. */
    public KvPolicy policy() {
        try {
            return KvMethods.parse(kv);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    @Option(names = "--kv-calib", paramLabel = "FILE",
            description = "Calibration text for kvquant (its thresholds and codebooks), e.g. "
                    + "data/corpus/moby-dick-chapter-1.txt.")
    public Path calibText;

    @Option(names = "--kv-calib-windows", defaultValue = "16", paramLabel = "N",
            description = "kvquant calibration windows (default: ${DEFAULT-VALUE}, as KVQuant's 16 samples).")
    public int calibWindows;

    @Option(names = "--kv-calib-length", defaultValue = "512", paramLabel = "TOKENS",
            description = "Tokens per kvquant calibration window (default: ${DEFAULT-VALUE}; KVQuant: 2048).")
    public int calibLength;

    @Option(names = "--kv-seed", defaultValue = "0", description = "Seed of kvquant's k-means (default: ${DEFAULT-VALUE}).")
    public long seed;

    /**
     * Sets the policy on the model (calibrating kvquant on {@code --kv-calib} first) and returns it; one-line errors
     * when it does not fit the model's heads or kvquant has no calibration text.
     */
    public KvPolicy applyTo(LoadedModel m) {
        KvPolicy p = policy();
        if (p instanceof KvQuantPolicy spec) {
            if (calibText == null) {
                throw new UserException(spec.name() + " needs calibration text: pass --kv-calib FILE");
            }
            if (calibWindows < 1 || calibLength < 2) {
                throw new UserException("--kv-calib-windows must be >= 1 and --kv-calib-length >= 2");
            }
            long[] ids = m.requireTokenizer().encode(EvalText.plain(calibText));
            p = KvQuantCalibration.calibrate(m.model(), KvQuantCalibration.windows(ids, calibWindows,
                    Math.min(calibLength, m.model().config().maxPositions())), spec, seed);
        }
        m.model().setKvPolicy(p);
        return p;
    }

    /** One line on the cache's memory: bytes per token with the method and in fp16. */
    public static String memoryLine(KvPolicy policy, ModelConfig c) {
        double bytes = policy.bytesPerToken(c.numLayers(), c.numKvHeads(), c.headDim());
        double fp16 = KvPolicy.EXACT.bytesPerToken(c.numLayers(), c.numKvHeads(), c.headDim());
        return String.format(Locale.ROOT, "KV cache %s: %.1f bytes/token (fp16: %.0f, %.2fx smaller)", policy.name(),
                bytes, fp16, fp16 / bytes);
    }
}
