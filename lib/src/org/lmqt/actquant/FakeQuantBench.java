package org.lmqt.actquant;

import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.lmqt.model.LlamaModel;
import org.lmqt.quant.act.ActFormat;

/**
 * Forward speed with and without activation fake quantization: full-sequence forward passes (embedding, every
 * block, no head) of the same tokens.
 */
public final class FakeQuantBench {
    private FakeQuantBench() {}

    /**
     * One measurement.
     *
     * @param format         the activation format, {@code none} for the plain model
     * @param tokensPerSecond tokens per second of the fastest pass
     * @param ratio          this speed over the plain model's
     * @param cpuTokensPerSecond tokens per second of the calling thread's CPU time in its cheapest pass (with one
     *                       libtorch thread, {@code LMQT_THREADS=1}, all work runs on that thread, so this figure
     *                       does not depend on what else the machine runs)
     * @param cpuRatio       that figure over the plain model's
     */
    public record Row(String format, double tokensPerSecond, double ratio, double cpuTokensPerSecond,
                      double cpuRatio) {}

    /**
     * Times {@code reps} rounds; each round runs one pass plain and one with each format, in turn, so that a busy
     * machine slows every format alike; a format's speed is its fastest pass (after one warm-up round).
     * {@code onRow} sees the rows at the end.
     */
    public static List<Row> run(LlamaModel model, long[] ids, int reps, List<ActFormat> formats, Consumer<Row> onRow) {
        if (reps < 1) {
            throw new IllegalArgumentException("--reps must be at least 1");
        }
        List<Optional<ActFormat>> all = new ArrayList<>();
        all.add(Optional.empty());
        formats.forEach(f -> all.add(Optional.of(f)));
        double[] best = new double[all.size()];                                      // wall seconds per pass
        double[] bestCpu = new double[all.size()];                                   // thread CPU seconds
        java.util.Arrays.fill(best, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(bestCpu, Double.POSITIVE_INFINITY);
        for (int round = 0; round <= reps; round++) {                                // round 0: warm-up
            for (int i = 0; i < all.size(); i++) {
                double[] seconds = timedPass(model, ids, all.get(i));
                if (round > 0) {
                    best[i] = Math.min(best[i], seconds[0]);
                    bestCpu[i] = Math.min(bestCpu[i], seconds[1]);
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            rows.add(new Row(all.get(i).map(ActFormat::name).orElse("none"), ids.length / best[i], best[0] / best[i],
                    ids.length / bestCpu[i], bestCpu[0] / bestCpu[i]));
            onRow.accept(rows.getLast());
        }
        return rows;
    }

    /** Wall and calling-thread CPU seconds of one pass. */
    private static double[] timedPass(LlamaModel model, long[] ids, Optional<ActFormat> format) {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        try (var hook = format.isPresent() ? model.addHook(new ActivationQuantHook(format.get().quantizer()))
                : (org.lmqt.model.ForwardHook.Registration) () -> { }) {
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            pass(model, ids);
            return new double[] {(System.nanoTime() - t0) / 1e9, (threads.getCurrentThreadCpuTime() - c0) / 1e9};
        }
    }

    private static void pass(LlamaModel model, long[] ids) {
        try (NDScope scope = new NDScope()) {
            model.hidden(ids);                                                       // [T, hidden]
        }
    }
}
