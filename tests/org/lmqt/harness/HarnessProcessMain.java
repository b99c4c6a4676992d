package org.lmqt.harness;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.Perplexity;
import org.lmqt.mxq.MxqOptions;

/**
 * The harness as a process of its own, for the kill-and-resume test: a fixed grid (hqq b4g64, b4g128, b3g64, rtn
 * b4g64, mxq 4.25) of task {@code eval_ppl} on one model with short windows.
 * Arguments: model folder, result dir, snapshot dir, experiment name, text file.
 */
public final class HarnessProcessMain {

    private HarnessProcessMain() {}

    /** The grid the process runs. */
    static Plan plan(Path model) {
        return Plan.of(List.of(ModelRef.parse(model.toString())), List.of(Algo.HQQ, Algo.RTN, Algo.MXQ),
                List.of("b4g64", "b4g128", "b3g64", "4.25"), Task.EVAL_PPL);
    }

    public static void main(String[] args) {
        Path snapshots = Path.of(args[2]);
        ModelRunner runner = new ModelRunner(new ModelRunner.Settings(snapshots, snapshots.resolve("fnorm"),
                MxqOptions.DEFAULTS, List.of(PplDataset.parse(args[4])), new Perplexity(64, 32), OptionalInt.of(160),
                ComputeDevice.parse("cpu"), 1));
        Harness.Outcome out = new Harness(new Harness.Settings(Path.of(args[1]), args[3], false, false), runner,
                System.out).run(plan(Path.of(args[0])));
        System.exit(out.exitCode());
    }
}
