package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.Arrays;
import java.util.Set;
import java.util.function.LongConsumer;

/** Autoregressive generation with a KV cache: the prompt in one forward pass, then one token per step. */
public final class Generator {
    private final LlamaModel model;
    private final boolean prefillWithQuant;

    /** A generator over {@code model}; the prompt's attention reads the exact keys and values. */
    public Generator(LlamaModel model) {
        this(model, false);
    }

    /**
     * A generator over {@code model}; with {@code prefillWithQuant} the prompt's attention already reads the cache
     * as the model's {@link KvPolicy} quantizes it (the references' {@code prefill_with_quant}).
     */
    public Generator(LlamaModel model, boolean prefillWithQuant) {
        this.model = model;
        this.prefillWithQuant = prefillWithQuant;
    }

    /** Up to {@code maxNew} new tokens after {@code prompt}, never stopping early. */
    public long[] generate(long[] prompt, int maxNew, Sampling sampling) {
        return generate(prompt, maxNew, sampling, Set.of(), id -> { });
    }

    /**
     * Up to {@code maxNew} new tokens after {@code prompt}; stops after emitting a token in {@code stopIds}
     * (included in the result). {@code onToken} sees each new token as it is chosen.
     */
    public long[] generate(long[] prompt, int maxNew, Sampling sampling, Set<Long> stopIds, LongConsumer onToken) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("empty prompt: generation needs at least one token");
        }
        int maxPositions = model.config().maxPositions();
        if (prompt.length + Math.max(maxNew - 1, 0) > maxPositions) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens plus " + maxNew
                    + " new tokens is longer than the model's " + maxPositions + " positions");
        }
        Sampling.Chooser chooser = sampling.chooser();
        int vocab = model.vocabSize();
        long[] out = new long[maxNew];
        int n = 0;
        try (KvCache cache = model.newCache(prefillWithQuant)) {
            long[] step = prompt;
            while (n < maxNew) {
                float[] last;
                try (NDScope scope = new NDScope()) {
                    NDArray logits = model.forward(step, cache);             // [len(step), vocab]
                    last = logits.get(step.length - 1).toFloatArray();      // [vocab]
                }
                long next = chooser.choose(last, 0, vocab);
                out[n++] = next;
                onToken.accept(next);
                if (stopIds.contains(next)) {
                    break;
                }
                step = new long[] {next};
            }
        }
        return Arrays.copyOf(out, n);
    }
}
