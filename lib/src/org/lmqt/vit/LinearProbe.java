package org.lmqt.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.lmqt.device.ComputeDevice;
import org.lmqt.device.Djl;

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

    /**
     * As {@link #train(float[], int[], int)}, the batches as DJL matrix products on {@code device} in float32 (the
     * same initialisation, batch order and update rule, so the head agrees with the Java path to float rounding);
     * what ImageNet-sized probes need.
     */
    public Head train(float[] features, int[] labels, int classes, ComputeDevice device) {
        int n = labels.length;
        if (n == 0 || features.length % n != 0) {
            throw new IllegalArgumentException("features do not split into " + n + " rows");
        }
        int dim = features.length / n;
        SplittableRandom rng = new SplittableRandom(seed);
        float[] init = initialParameters(classes, dim, rng);
        try (NDManager nd = Djl.newManager(device)) {
            NDArray x = nd.create(features, new Shape(n, dim));                                   // [n, dim]
            NDArray onehot = nd.create(labels).oneHot(classes).toType(DataType.FLOAT32, false);  // [n, C]
            NDArray w = nd.create(java.util.Arrays.copyOf(init, classes * dim), new Shape(classes, dim)); // [C, dim]
            NDArray b = nd.create(java.util.Arrays.copyOfRange(init, classes * dim, init.length));        // [C]
            NDArray[] moments = {nd.zeros(w.getShape()), nd.zeros(w.getShape()), nd.zeros(b.getShape()),
                    nd.zeros(b.getShape())};
            int[] order = identity(n);
            long steps = (long) epochs * ((n + batchSize - 1) / batchSize);
            long step = 0;
            try (org.lmqt.cli.ProgressBar bar = new org.lmqt.cli.ProgressBar("probe epochs", epochs)) {
                for (int epoch = 0; epoch < epochs; epoch++) {
                    shuffle(order, rng);
                    for (int from = 0; from < n; from += batchSize) {
                        int bs = Math.min(batchSize, n - from);
                        double rate = 0.5 * (1 + Math.cos(Math.PI * step / steps)) * lr;
                        step++;
                        try (NDScope scope = new NDScope()) {
                            long[] idx = new long[bs];
                            for (int k = 0; k < bs; k++) {
                                idx[k] = order[from + k];
                            }
                            NDArray sel = nd.create(idx);
                            NDArray xb = x.get(sel);                                                    // [b, dim]
                            // softmax minus one-hot, over the batch size: d mean CE / d logits
                            NDArray g = xb.matMul(w.transpose()).add(b).softmax(-1).sub(onehot.get(sel)).div(bs); // [b, C]
                            adamW(w, g.transpose().matMul(xb), moments[0], moments[1], rate, step);   // [C, dim]
                            adamW(b, g.sum(new int[] {0}), moments[2], moments[3], rate, step);        // [C]
                        }
                    }
                    bar.step();
                }
            }
            return new Head(w.toFloatArray(), b.toFloatArray(), classes, dim);
        }
    }

    /** One AdamW step on {@code p} in place. */
    private void adamW(NDArray p, NDArray grad, NDArray m, NDArray v, double rate, long step) {
        double c1 = 1 - Math.pow(0.9, step);
        double c2 = 1 - Math.pow(0.999, step);
        p.muli(1 - rate * weightDecay);
        m.muli(0.9f).addi(grad.mul(0.1f));
        v.muli(0.999f).addi(grad.square().mul(0.001f));
        p.subi(m.mul(rate / c1).div(v.sqrt().div(Math.sqrt(c2)).add(1e-8)));
    }

    private static float[] initialParameters(int classes, int dim, SplittableRandom rng) {
        // nn.Linear's initialisation: uniform in +-1/sqrt(fan_in) for weight and bias
        float bound = (float) (1 / Math.sqrt(dim));
        float[] p = new float[classes * dim + classes];  // weight [classes, dim] then bias [classes]
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        return p;
    }

    private static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    /** Trains a head on {@code features [n, dim]} with {@code labels [n]} in {@code 0..classes-1}. */
    public Head train(float[] features, int[] labels, int classes) {
        int n = labels.length;
        if (n == 0 || features.length % n != 0) {
            throw new IllegalArgumentException("features do not split into " + n + " rows");
        }
        int dim = features.length / n;
        SplittableRandom rng = new SplittableRandom(seed);
        float[] p = initialParameters(classes, dim, rng);
        float[] m = new float[p.length];
        float[] v = new float[p.length];
        float[] grad = new float[p.length];
        int[] order = identity(n);
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
