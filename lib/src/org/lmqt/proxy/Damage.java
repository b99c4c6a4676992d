package org.lmqt.proxy;

import org.lmqt.eval.KlDivergence;

/**
 * What quantizing one unit does to the model on the evaluation text.
 *
 * @param perplexity perplexity with the unit quantized
 * @param deltaPpl   that minus the unquantized model's perplexity
 * @param kl         KL divergence of the model's next-token distributions from the unquantized model's
 */
public record Damage(double perplexity, double deltaPpl, KlDivergence.Result kl) {
    public Damage {
        if (!(perplexity > 0) || kl == null) {
            throw new IllegalArgumentException("a damage needs a positive perplexity and a KL result, got "
                    + perplexity + ", " + kl);
        }
    }
}
