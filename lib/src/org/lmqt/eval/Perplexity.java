package org.lmqt.eval;

import java.util.Arrays;
import java.util.function.IntConsumer;
import org.lmqt.cli.UserException;
import org.lmqt.model.LlamaModel;

/**
 * The original's sliding-window perplexity (lmqt-spec §4.10): for {@code i = 0, stride, 2*stride, ... < N} the window
 * is {@code ids[max(i + stride - maxLength, 0) : min(i + stride, N)]}; only its last {@code trg = end - i} tokens
 * are targets; the window's NLL is its mean target loss times {@code trg}; perplexity is
 * {@code exp(sum NLL / N)}. As in the original (spec §8.16), the first window has {@code trg - 1} predicted tokens
 * but still counts {@code trg}; we keep that so figures stay comparable.
 *
 * @param maxLength window length (1024 in the original)
 * @param stride    step between windows (512 in the original)
 */
public record Perplexity(int maxLength, int stride) {
    /** The original's settings: windows of 1024 tokens, stride 512. */
    public static final Perplexity ORIGINAL = new Perplexity(1024, 512);

    public Perplexity {
        if (maxLength <= 1 || stride <= 0 || stride > maxLength) {
            throw new UserException("need max length > 1 and 0 < stride <= max length, got " + maxLength + " and "
                    + stride);
        }
    }

    /** One window of the protocol: input {@code ids[begin:end]}, targets the last {@code targets} of them. */
    public record Window(int begin, int end, int targets) {}

    /** The windows over a text of {@code n} tokens. */
    public Window[] windows(int n) {
        int count = (n + stride - 1) / stride;
        Window[] w = new Window[count];
        for (int k = 0; k < count; k++) {
            int i = k * stride;
            int end = Math.min(i + stride, n);
            w[k] = new Window(Math.max(i + stride - maxLength, 0), end, end - i);
        }
        return w;
    }

    /** Evaluates {@code model} on the token sequence {@code ids}; {@code onWindow} sees each finished window index. */
    public PerplexityResult evaluate(LlamaModel model, long[] ids, MemoryProbe memory, IntConsumer onWindow) {
        if (ids.length < 2) {
            throw new UserException("text too short: " + ids.length + " token(s); perplexity needs at least 2");
        }
        if (maxLength > model.config().maxPositions()) {
            throw new UserException("window of " + maxLength + " tokens is longer than the model's "
                    + model.config().maxPositions() + " positions (use --max-length)");
        }
        Window[] windows = windows(ids.length);
        double nll = 0;
        long nanos = 0;
        long processed = 0;
        for (int k = 0; k < windows.length; k++) {
            Window w = windows[k];
            long[] input = Arrays.copyOfRange(ids, w.begin(), w.end()); // [len]
            int firstTarget = input.length - w.targets();
            long start = System.nanoTime();
            double[] sumAndCount = model.nll(input, firstTarget);
            nanos += System.nanoTime() - start;
            processed += input.length;
            // HF loss is the mean over the predicted positions; the original multiplies it by trg
            if (sumAndCount[1] > 0) {
                nll += sumAndCount[0] / sumAndCount[1] * w.targets();
            }
            memory.sample();
            onWindow.accept(k);
        }
        double seconds = nanos / 1e9;
        return new PerplexityResult(Math.exp(nll / ids.length), nll, ids.length, windows.length,
                seconds / windows.length, processed / seconds, memory.peakBytes());
    }
}
