package org.lmqt.harness;

import java.util.List;
import org.lmqt.mxq.MxqOptions;
import org.lmqt.mxq.WeightAlgo;
import picocli.CommandLine.Option;

/** The original's MXQ variant flags of {@code cli.py llm} (a picocli mixin); they apply to {@code --algo mxq}. */
public final class MxqVariantOptions {
    @Option(names = "--base-method", paramLabel = "hqq|gptq|nf4", description = "Quantizer whose FNorm table --algo mxq "
            + "allocates and which quantizes each matrix at its config (default: hqq, the original's MXQ); gptq and nf4 "
            + "run as algos mxq-gptq and mxq-nf4 (their own rows, snapshots and tables fnorm-<model>-<method>.csv).")
    String baseMethod = "hqq";

    @Option(names = "--objective", paramLabel = "weight|output", description = "Error mxq-gptq minimises: weight "
            + "(fnorm, default) or output (output_fnorm, the error on the calibration inputs); nf4's table has no output "
            + "column. Use one --quant-snapshot-dir per objective, as per MXQ variant.")
    String objective = "weight";

    @Option(names = "--weight-algo", paramLabel = "NAME", description = "MXQ variant: fnorm (plain MXQ, default), "
            + "kurt-scaled, head-prioritized, tail-prioritized, sensi-milp, kurt-milp, sensi-boost, kurt-boost, "
            + "sensi-directive (the variants other than fnorm need the matching columns in the FNorm table).")
    String weightAlgo = "fnorm";

    @Option(names = "--boost-stop", paramLabel = "N", description = "Ladder steps up for boosted layers (default: 1).")
    int boostStop = 1;

    @Option(names = "--decline-stop", paramLabel = "N", description = "Ladder steps down for declined layers (default: 1).")
    int declineStop = 1;

    @Option(names = "--boost-layer", split = ",", paramLabel = "LAYER", description = "sensi-directive: layers to boost.")
    List<Integer> boostLayers = List.of();

    @Option(names = "--decline-layer", split = ",", paramLabel = "LAYER", description = "sensi-directive: layers to demote.")
    List<Integer> declineLayers = List.of();

    @Option(names = "--top-m-layer", paramLabel = "M", description = "Strongest outliers kept per module, 0 = all (default: 1).")
    int topMLayer = MxqOptions.DEFAULTS.topMLayer();

    @Option(names = "--factor", paramLabel = "F", description = "Cost multiplier of outlier/prioritised layers (default: 2.0).")
    double factor = MxqOptions.DEFAULTS.factor();

    @Option(names = "--ablation", negatable = true, description = "Ablation mode of the boost and MiLP variants.")
    boolean ablation;

    @Option(names = "--seed", description = "Seed of the random layers of the boost ablation (default: 0).")
    long seed;

    /** The algo {@code --algo mxq} runs as: {@link Algo#mxqOver} of {@code --base-method}. */
    public Algo mxqAlgo() {
        return Algo.mxqOver(baseMethod);
    }

    /** {@code --objective}. */
    public org.lmqt.mxq.Objective objective() {
        return org.lmqt.mxq.Objective.parse(objective);
    }

    /** The options as the allocation library takes them (exact solver). */
    public MxqOptions toOptions() {
        return MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.parse(weightAlgo)).withFactor(factor)
                .withTopMLayer(topMLayer).withAblation(ablation).withBoostStop(boostStop).withDeclineStop(declineStop)
                .withBoostLayers(boostLayers).withDeclineLayers(declineLayers).withSeed(seed);
    }
}
