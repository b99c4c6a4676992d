package org.lmqt.mxq;

import java.util.List;
import org.lmqt.cli.UserException;

/**
 * Options of an MXQ allocation, immutable; start from {@link #DEFAULTS} and use the {@code with...} methods.
 *
 * @param weightAlgo       the variant (§4.7)
 * @param factor           cost factor of head/tail layers and of SensiMiLP/KurtMiLP outliers (the original's CLI
 *                         default 2.0)
 * @param topMLayer        outliers kept per module, 0 for all (default 1)
 * @param ablation         SensiMiLP/KurtMiLP: no outliers; boost variants: random layers instead of the outliers
 * @param boostStop        ladder steps up for boosted layers (0 means 1, as in the original)
 * @param declineStop      ladder steps down for declined layers (0 means 1)
 * @param boostLayers      sensi-directive: layers boosted in every module
 * @param declineLayers    sensi-directive: layers declined in every module
 * @param tolerancePct     extra memory budget in percent (0; 5 on the original's {@code 5pct_tolerance} branch)
 * @param seed             seed of the random boost ablation
 * @param solver           {@code exact} (default) or {@code ojalgo}
 * @param timeLimitSeconds time limit of the ojAlgo solver (the exact solver needs none)
 */
public record MxqOptions(WeightAlgo weightAlgo, double factor, int topMLayer, boolean ablation, int boostStop,
        int declineStop, List<Integer> boostLayers, List<Integer> declineLayers, double tolerancePct, long seed,
        Solver solver, double timeLimitSeconds) {

    /** Available solvers. */
    public enum Solver {
        /** {@link ExactMckpSolver}: proven optimal. */
        EXACT,
        /** {@link OjAlgoMilpSolver}: the general MiLP, a cross-check. */
        OJALGO;

        /** The solver object. */
        public MckpSolver create(double timeLimitSeconds) {
            return this == EXACT ? new ExactMckpSolver() : new OjAlgoMilpSolver(timeLimitSeconds);
        }
    }

    /** Plain MXQ, exact solver, the original CLI's defaults otherwise. */
    public static final MxqOptions DEFAULTS = new MxqOptions(WeightAlgo.FNORM, 2.0, 1, false, 1, 1, List.of(),
            List.of(), 0, 0, Solver.EXACT, 120);

    public MxqOptions {
        if (weightAlgo == null || solver == null) {
            throw new IllegalArgumentException("weight algo and solver must be given");
        }
        if (!Double.isFinite(factor) || factor <= 0) {
            throw new UserException("--factor must be a positive number, got " + factor);
        }
        if (topMLayer < 0 || boostStop < 0 || declineStop < 0) {
            throw new UserException("--top-m-layer, --boost-stop and --decline-stop must not be negative");
        }
        if (!(timeLimitSeconds > 0)) {
            throw new UserException("--time-limit must be positive, got " + timeLimitSeconds);
        }
        boostLayers = List.copyOf(boostLayers);
        declineLayers = List.copyOf(declineLayers);
    }

    public MxqOptions withWeightAlgo(WeightAlgo v) {
        return new MxqOptions(v, factor, topMLayer, ablation, boostStop, declineStop, boostLayers, declineLayers,
                tolerancePct, seed, solver, timeLimitSeconds);
    }

    public MxqOptions withFactor(double v) {
        return new MxqOptions(weightAlgo, v, topMLayer, ablation, boostStop, declineStop, boostLayers, declineLayers,
                tolerancePct, seed, solver, timeLimitSeconds);
    }

    public MxqOptions withTopMLayer(int v) {
        return new MxqOptions(weightAlgo, factor, v, ablation, boostStop, declineStop, boostLayers, declineLayers,
                tolerancePct, seed, solver, timeLimitSeconds);
    }

    public MxqOptions withAblation(boolean v) {
        return new MxqOptions(weightAlgo, factor, topMLayer, v, boostStop, declineStop, boostLayers, declineLayers,
                tolerancePct, seed, solver, timeLimitSeconds);
    }

    public MxqOptions withBoostStop(int v) {
        return new MxqOptions(weightAlgo, factor, topMLayer, ablation, v, declineStop, boostLayers, declineLayers,
                tolerancePct, seed, solver, timeLimitSeconds);
    }

    public MxqOptions withDeclineStop(int v) {
        return new MxqOptions(weightAlgo, factor, topMLayer, ablation, boostStop, v, boostLayers, declineLayers,
                tolerancePct, seed, solver, timeLimitSeconds);
    }

    public MxqOptions withBoostLayers(List<Integer> v) {
        return new MxqOptions(weightAlgo, factor, topMLayer, ablation, boostStop, declineStop, v, declineLayers,
                tolerancePct, seed, solver, timeLimitSeconds);
    }

    public MxqOptions withDeclineLayers(List<Integer> v) {
        return new MxqOptions(weightAlgo, factor, topMLayer, ablation, boostStop, declineStop, boostLayers, v,
                tolerancePct, seed, solver, timeLimitSeconds);
    }

    public MxqOptions withTolerancePct(double v) {
        return new MxqOptions(weightAlgo, factor, topMLayer, ablation, boostStop, declineStop, boostLayers,
                declineLayers, v, seed, solver, timeLimitSeconds);
    }

    public MxqOptions withSeed(long v) {
        return new MxqOptions(weightAlgo, factor, topMLayer, ablation, boostStop, declineStop, boostLayers,
                declineLayers, tolerancePct, v, solver, timeLimitSeconds);
    }

    public MxqOptions withSolver(Solver v) {
        return new MxqOptions(weightAlgo, factor, topMLayer, ablation, boostStop, declineStop, boostLayers,
                declineLayers, tolerancePct, seed, v, timeLimitSeconds);
    }

    public MxqOptions withTimeLimitSeconds(double v) {
        return new MxqOptions(weightAlgo, factor, topMLayer, ablation, boostStop, declineStop, boostLayers,
                declineLayers, tolerancePct, seed, solver, v);
    }
}
