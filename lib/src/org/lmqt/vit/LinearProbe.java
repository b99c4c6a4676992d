package org.lmqt.vit;

import java.util.SplittableRandom;

/**
 * CLIP_benchmark's linear probe: a logistic-regression head {@code Linear(dim, classes)} on frozen, normalised
 * image features, trained with AdamW (betas 0.9/0.999, eps 1e-8) on the cross-entropy, the learning rate on a
 * cosine schedule without warm-up ({@code 0.5 (1 + cos(pi step / steps)) lr}, one step per batch), the batches
 * reshuffled every epoch, weight decay 0 (CLIP_benchmark tunes it only when a validation split is given; the
 * original gives none). The head starts as PyTorch's {@code nn.Linear} does, uniform in
 * {@code +-1/sqrt(dim)}, but drawn from {@link SplittableRandom}(seed), not torch's generator, and trains in float32
 * on the CPU (CLIP_benchmark uses CUDA autocast), so single runs are not bit-identical to the original's.
 *
 * @param lr          base learning rate (the original passes 0.1)
 * @param epochs      passes over the training features (the original passes 20)
 * @param batchSize   features per step (the original passes 512)
 * @param weightDecay AdamW's decoupled weight decay (0)
 * @param seed        initialisation and shuffling seed (CLIP_benchmark's default 0)
 */
public record LinearProbe(double lr, int epochs, int batchSize, double weightDecay, long seed) {
    /** The original's settings: {@code --fewshot_lr=0.1 --fewshot_epochs=20 --batch_size=512}, seed 0. */
    public static final LinearProbe ORIGINAL = new LinearProbe(0.1, 20, 512, 0.0, 0);

    public LinearProbe {
        if (!(lr > 0) || epochs <= 0 || batchSize <= 0 || weightDecay < 0) {
            throw new IllegalArgumentException("linear probe: lr, epochs and batch size must be positive, "
                    + "weight decay non-negative");
        }
    }

    /** A trained head: {@code weight [classes, dim]}, {@code bias [classes]}. */
    public record Head(float[] weight, float[] bias, int classes, int dim) {

        /** {@code x @ W^T + b}: logits {@code [n, classes]} of features {@code [n, dim]}. */
        public float[] logits(float[] x) {
            int n = x.length / dim;
            float[] out = new float[n * classes];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < classes; c++) {
                    double s = bias[c];
                    for (int j = 0; j < dim; j++) {
                        s += x[i * dim + j] * weight[c * dim + j];
                    }
                    out[i * classes + c] = (float) s;
                }
            }
            return out;
        }
    }

    /** Trains a head on {@code features [n, dim]} with {@code labels [n]} in {@code 0..classes-1}. */
    public Head train(float[] features, int[] labels, int classes) {
        int n = labels.length;
        if (n == 0 || features.length % n != 0) {
            throw new IllegalArgumentException("features do not split into " + n + " rows");
        }
        int dim = features.length / n;
        SplittableRandom rng = new SplittableRandom(seed);
        // nn.Linear's initialisation: uniform in +-1/sqrt(fan_in) for weight and bias
        float bound = (float) (1 / Math.sqrt(dim));
        float[] p = new float[classes * dim + classes];  // weight [classes, dim] then bias [classes]
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        float[] m = new float[p.length];
        float[] v = new float[p.length];
        float[] grad = new float[p.length];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int perEpoch = (n + batchSize - 1) / batchSize;
        long steps = (long) epochs * perEpoch;
        long step = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            shuffle(order, rng);
            for (int from = 0; from < n; from += batchSize) {
                int b = Math.min(batchSize, n - from);
                // cosine learning rate of this step (no warm-up)
                double rate = 0.5 * (1 + Math.cos(Math.PI * step / steps)) * lr;
                // gradient of the mean cross-entropy over the batch
                java.util.Arrays.fill(grad, 0f);
                for (int k = 0; k < b; k++) {
                    int i = order[from + k];
                    accumulate(p, features, i * dim, labels[i], classes, dim, grad, 1f / b);
                }
                // AdamW: decoupled weight decay, bias-corrected moments
                step++;
                double c1 = 1 - Math.pow(0.9, step);
                double c2 = 1 - Math.pow(0.999, step);
                for (int j = 0; j < p.length; j++) {
                    p[j] *= (float) (1 - rate * weightDecay);
                    m[j] = 0.9f * m[j] + 0.1f * grad[j];
                    v[j] = 0.999f * v[j] + 0.001f * grad[j] * grad[j];
                    double denom = Math.sqrt(v[j]) / Math.sqrt(c2) + 1e-8;
                    p[j] -= (float) (rate / c1 * m[j] / denom);
                }
            }
        }
        float[] w = java.util.Arrays.copyOf(p, classes * dim);
        float[] bias = java.util.Arrays.copyOfRange(p, classes * dim, p.length);
        return new Head(w, bias, classes, dim);
    }

    /** Adds {@code scale * d CE / d params} of one sample to {@code grad}. */
    private static void accumulate(float[] p, float[] x, int off, int y, int classes, int dim, float[] grad,
                                   float scale) {
        double[] z = new double[classes];  // logits, then softmax
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            double s = p[classes * dim + c];
            for (int j = 0; j < dim; j++) {
                s += p[c * dim + j] * x[off + j];
            }
            z[c] = s;
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            z[c] = Math.exp(z[c] - max);
            sum += z[c];
        }
        for (int c = 0; c < classes; c++) {
            float d = (float) ((z[c] / sum - (c == y ? 1 : 0)) * scale);  // dCE/dlogit
            for (int j = 0; j < dim; j++) {
                grad[c * dim + j] += d * x[off + j];
            }
            grad[classes * dim + c] += d;
        }
    }

    /** Fisher-Yates with {@code rng}. */
    private static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
