package org.lmqt.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.function.IntConsumer;
import org.lmqt.cli.UserException;
import org.lmqt.model.LlamaModel;

/**
 * How far a model's next-token distributions are from a reference model's on the same tokens, as llama.cpp's
 * {@code --kl-divergence} reports it: for every position the perplexity protocol scores (the last {@code trg}
 * tokens of each window), {@code KL(P_ref || P) = sum_v p_ref(v) (log p_ref(v) - log p(v))} in nats, and whether both
 * put the same token first. The reference runs in this process or comes from saved logits ({@link ReferenceLogits}).
 *
 * @param protocol the windows (those of the perplexity run)
 */
public record KlDivergence(Perplexity protocol) {

    /**
     * The statistics over all scored positions.
     *
     * @param mean       mean KL divergence (nats)
     * @param median     median
     * @param p99        99th percentile (nearest rank)
     * @param max        largest
     * @param top1Agree  share of positions where both models' most likely token is the same
     * @param positions  positions scored
     */
    public record Result(double mean, double median, double p99, double max, double top1Agree, int positions) {}

    /** Compares {@code model} with {@code reference} on {@code ids}; {@code onWindow} sees each finished window. */
    public Result evaluate(LlamaModel model, LlamaModel reference, long[] ids, IntConsumer onWindow) {
        return evaluate(model, ReferenceLogits.of(reference), ids, onWindow);
    }

    /** Compares {@code model} with reference logits (a live model's or a saved file's) on {@code ids}. */
    public Result evaluate(LlamaModel model, ReferenceLogits reference, long[] ids, IntConsumer onWindow) {
        if (model.vocabSize() != reference.vocabSize()) {
            throw new UserException("the reference model has a vocabulary of " + reference.vocabSize() + ", the model "
                    + model.vocabSize() + ": KL divergence needs the same tokens");
        }
        if (ids.length < 2) {
            throw new UserException("text too short: " + ids.length + " token(s); KL divergence needs at least 2");
        }
        Perplexity.Window[] windows = protocol.windows(ids.length);
        double[] kl = new double[ids.length]; // [positions] one value per scored position
        int n = 0;
        long agree = 0;
        for (int k = 0; k < windows.length; k++) {
            Perplexity.Window w = windows[k];
            long[] input = Arrays.copyOfRange(ids, w.begin(), w.end());              // [len]
            int from = Math.max(input.length - w.targets(), 1);
            try (NDScope scope = new NDScope()) {
                NDArray h = model.hidden(input);                                    // [len, hidden]
                ReferenceLogits.Window ref = reference.window(k, input);
                // the predicting rows, a slice at a time: [rows, V] log-probabilities of both models, in float64
                // (KL of close distributions is a small difference of large sums: float32 loses percents)
                for (int a = from - 1; a < input.length - 1; a += LlamaModel.NLL_ROWS) {
                    int b = Math.min(a + LlamaModel.NLL_ROWS, input.length - 1);
                    try (NDScope rows = new NDScope()) {
                        NDIndex slice = new NDIndex(a + ":" + b);
                        NDArray lq = model.head(h.get(slice)).toType(DataType.FLOAT64, false)
                                .logSoftmax(-1);                                    // [rows, V] f64
                        NDArray lr = ref.logits(a, b).toType(DataType.FLOAT64, false)
                                .logSoftmax(-1);                                    // [rows, V] f64
                        double[] d = lr.exp().mul(lr.sub(lq)).sum(new int[] {-1})   // [rows] KL per position
                                .toDoubleArray();
                        long[] top = lq.argMax(-1).toLongArray();                   // [rows]
                        long[] topRef = lr.argMax(-1).toLongArray();                // [rows]
                        for (int r = 0; r < d.length; r++) {
                            kl[n++] = Math.max(d[r], 0);    // rounding can give -1e-16 for equal distributions
                            agree += top[r] == topRef[r] ? 1 : 0;
                        }
                    }
                }
            }
            onWindow.accept(k);
        }
        return stats(Arrays.copyOf(kl, n), agree);
    }

    /** Mean, median, 99th percentile (nearest rank) and maximum of {@code kl}, and the agreement share. */
    static Result stats(double[] kl, long agree) {
        double[] sorted = kl.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (double v : kl) {
            sum += v;
        }
        int n = kl.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        double p99 = sorted[Math.max(0, (int) Math.ceil(0.99 * n) - 1)];
        return new Result(sum / n, median, p99, sorted[n - 1], (double) agree / n, n);
    }
}
