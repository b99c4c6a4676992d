package org.lmqt.eval;

/**
 * The outcome of one perplexity run.
 *
 * @param perplexity        {@code exp(sum of window NLL / tokens)}
 * @param nllSum            sum of the window NLLs (nats)
 * @param tokens            tokens of the text (the end of the last window)
 * @param windows           forward passes
 * @param meanWindowSeconds mean wall time of one window's forward pass
 * @param tokensPerSecond   input tokens processed per second of forward time (window lengths summed)
 * @param peakMemoryBytes   peak memory as {@link MemoryProbe} measures it
 */
public record PerplexityResult(double perplexity, double nllSum, int tokens, int windows, double meanWindowSeconds,
                               double tokensPerSecond, long peakMemoryBytes) {}
