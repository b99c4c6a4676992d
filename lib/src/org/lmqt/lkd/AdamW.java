package org.lmqt.lkd;

import ai.djl.ndarray.NDArray;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code torch.optim.AdamW} (amsgrad off, no maximize) on float32 NDArrays, updating the parameters in place:
 * per step {@code t} of a parameter {@code p} with gradient {@code g}
 * <pre>
 *   p *= 1 - lr * wd                      (decoupled weight decay; skipped where decay is off)
 *   m  = m + (1 - b1) (g - m)             (torch's lerp)
 *   v  = b2 v + (1 - b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * DJL 0.35.1 has an {@code AdamW} optimizer, but it is not torch's: it puts {@code eps} inside the bias
 * correction ({@code lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)}, i.e. an epsilon of
 * {@code eps / sqrt(1 - b2^t)} in torch's terms, about 32x torch's at step 1), takes one weight decay for all the
 * parameters it updates (qllm-infer exempts biases) and works through DJL's {@code Parameter}/{@code Block}
 * training stack, which the decoder does not use. This class is torch's formula on the arrays directly.
 */
public final class AdamW {

    /**
     * The hyper-parameters.
     *
     * @param lr          learning rate (qllm-infer's LKD: 5e-6)
     * @param weightDecay decoupled weight decay (qllm-infer: 1e-5)
     * @param beta1       first-moment decay (torch default 0.9)
     * @param beta2       second-moment decay (torch default 0.999)
     * @param eps         denominator epsilon (torch default 1e-8)
     */
    public record Settings(double lr, double weightDecay, double beta1, double beta2, double eps) {
        public Settings {
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("the learning rate must be positive and finite, got " + lr);
            }
            if (!(weightDecay >= 0)) {
                throw new IllegalArgumentException("the weight decay must be at least 0, got " + weightDecay);
            }
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("betas must lie in [0, 1), got " + beta1 + ", " + beta2);
            }
            if (!(eps >= 0)) {
                throw new IllegalArgumentException("eps must be at least 0, got " + eps);
            }
        }

        /** torch's default betas (0.9, 0.999) and eps 1e-8 with this learning rate and weight decay. */
        public static Settings torch(double lr, double weightDecay) {
            return new Settings(lr, weightDecay, 0.9, 0.999, 1e-8);
        }
    }

    private final Settings settings;
    private final Map<String, NDArray[]> moments = new HashMap<>();   // name -> {m, v}, like p
    private final Map<String, Integer> steps = new HashMap<>();

    public AdamW(Settings settings) {
        this.settings = settings;
    }

    /** The steps taken for {@code name} so far. */
    public int steps(String name) {
        return steps.getOrDefault(name, 0);
    }

    /**
     * One step of parameter {@code name}: {@code param} (float32) updated in place from {@code grad} (float32, same
     * shape); {@code decay} applies the weight decay. Call outside a gradient collector. The moments are created
     * on {@code param}'s manager, outside any scope.
     */
    public void update(String name, NDArray param, NDArray grad, boolean decay) {
        double lr = settings.lr();
        double b1 = settings.beta1();
        double b2 = settings.beta2();
        NDArray[] mv = moments.computeIfAbsent(name, k -> {
            NDArray m = param.getManager().zeros(param.getShape(), param.getDataType());
            NDArray v = param.getManager().zeros(param.getShape(), param.getDataType());
            ai.djl.ndarray.NDScope.unregister(m, v);
            return new NDArray[] {m, v};
        });
        int t = steps.merge(name, 1, Integer::sum);
        // decoupled weight decay
        if (decay && settings.weightDecay() != 0) {
            param.muli(1 - lr * settings.weightDecay());
        }
        // moments: m lerps towards g, v decays towards g^2
        NDArray m = mv[0];
        NDArray v = mv[1];
        try (NDArray dm = grad.sub(m).muli(1 - b1); NDArray g2 = grad.mul(grad).muli(1 - b2)) {
            m.addi(dm);
            v.muli(b2).addi(g2);
        }
        // bias-corrected step
        double bc1 = 1 - Math.pow(b1, t);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(b2, t));
        try (NDArray denom = v.sqrt().divi(bc2Sqrt).addi(settings.eps());
             NDArray delta = m.div(denom).muli(lr / bc1)) {
            param.subi(delta);
        }
    }

    /** Frees the moments. */
    public void clear() {
        moments.values().forEach(mv -> {
            mv[0].close();
            mv[1].close();
        });
        moments.clear();
        steps.clear();
    }
}
