package org.lmqt.model;

import java.util.SplittableRandom;

/**
 * How the next token is chosen: greedy (argmax) when {@code temperature} is 0, else a draw from
 * {@code softmax(logits / temperature)} with a seeded generator, restricted to the nucleus when {@code topP < 1}
 * (the most probable tokens whose probabilities sum to at least {@code topP}, renormalized).
 *
 * @param temperature 0 for greedy, else positive
 * @param seed        seed of the draws
 * @param topP        nucleus mass in (0, 1]; 1 keeps every token (and the draws of a plain temperature sampler)
 */
public record Sampling(double temperature, long seed, double topP) {
    /** Argmax decoding. */
    public static final Sampling GREEDY = new Sampling(0, 0);

    public Sampling {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
    }

    /** Temperature sampling over the whole vocabulary. */
    public Sampling(double temperature, long seed) {
        this(temperature, seed, 1.0);
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
            if (sampling.topP < 1) {
                return nucleus(p, sum, best);
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

        /** A draw from the smallest set of most probable tokens whose mass reaches {@code topP}. */
        private int nucleus(double[] p, double sum, int best) {
            // order the tokens by probability, highest first (ties: lower id first)
            Integer[] order = new Integer[p.length]; // [vocab]
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
            // the nucleus: the prefix whose probability first reaches topP (at least one token)
            double kept = 0;
            int size = 0;
            while (size < order.length && (size == 0 || kept < sampling.topP * sum)) {
                kept += p[order[size++]];
            }
            // inverse-CDF draw inside the nucleus
            double u = random.nextDouble() * kept;
            for (int k = 0; k < size; k++) {
                u -= p[order[k]];
                if (u < 0) {
                    return order[k];
                }
            }
            return best;
        }
    }
}
