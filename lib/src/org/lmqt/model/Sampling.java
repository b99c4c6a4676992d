package org.lmqt.model;

import java.util.SplittableRandom;

/**
 * How the next token is chosen: greedy (argmax) when {@code temperature} is 0, else a draw from
 * {@code softmax(logits / temperature)} with a seeded generator.
 *
 * @param temperature 0 for greedy, else positive
 * @param seed        seed of the draws
 */
public record Sampling(double temperature, long seed) {
    /** Argmax decoding. */
    public static final Sampling GREEDY = new Sampling(0, 0);

    public Sampling {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
    }

    /** A chooser over logit rows with its own random stream. */
    public Chooser chooser() {
        return new Chooser(this, new SplittableRandom(seed));
    }

    /** Picks tokens from logit rows; stateful (the random stream advances). */
    public static final class Chooser {
        private final Sampling sampling;
        private final SplittableRandom random;

        private Chooser(Sampling sampling, SplittableRandom random) {
            this.sampling = sampling;
            this.random = random;
        }

        /** The token chosen from {@code logits[offset .. offset+vocab)}. */
        public int choose(float[] logits, int offset, int vocab) {
            // greedy: the first index of the maximum, as torch.argmax
            int best = 0;
            for (int i = 1; i < vocab; i++) {
                if (logits[offset + i] > logits[offset + best]) {
                    best = i;
                }
            }
            if (sampling.temperature == 0) {
                return best;
            }
            // sampling: softmax of logits / temperature (shifted by the maximum), inverse-CDF draw
            double[] p = new double[vocab]; // [vocab]
            double sum = 0;
            for (int i = 0; i < vocab; i++) {
                p[i] = Math.exp((logits[offset + i] - logits[offset + best]) / sampling.temperature);
                sum += p[i];
            }
            double u = random.nextDouble() * sum;
            for (int i = 0; i < vocab; i++) {
                u -= p[i];
                if (u < 0) {
                    return i;
                }
            }
            return best;
        }
    }
}
