package org.lmqt.eval.tasks;

/**
 * lm-eval's {@code process_results} for one multiple-choice document.
 *
 * @param gold     the right choice ({@link RenderedDoc#NO_GOLD} never matches)
 * @param pred     numpy {@code argmax(ll)}
 * @param predNorm numpy {@code argmax(ll / len(choice))}, lengths in code points
 */
public record ChoiceScore(int gold, int pred, int predNorm) {
    public ChoiceScore {
        if (pred < 0 || predNorm < 0) {
            throw new IllegalArgumentException("negative prediction " + pred + ", " + predNorm);
        }
    }

    /** Scores {@code doc} from its requests' loglikelihoods, in choice order. */
    public static ChoiceScore of(RenderedDoc doc, double[] loglikelihoods) {
        if (doc.kind() == RenderedDoc.Kind.LOGLIKELIHOOD || loglikelihoods.length != doc.choices().size()) {
            throw new IllegalArgumentException(loglikelihoods.length + " loglikelihoods for a " + doc.kind()
                    + " document with " + doc.choices().size() + " choices");
        }
        double[] normalized = new double[loglikelihoods.length];
        for (int i = 0; i < normalized.length; i++) {
            normalized[i] = loglikelihoods[i] / PyStr.len(doc.choices().get(i)); // ll / 0 gives -inf or nan, as numpy
        }
        return new ChoiceScore(doc.gold(), argmax(loglikelihoods), argmax(normalized));
    }

    /** numpy's {@code argmax}: the first maximum, or the first nan if there is one. */
    public static int argmax(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("argmax of nothing");
        }
        int best = 0;
        for (int i = 0; i < values.length; i++) {
            if (Double.isNaN(values[i])) {
                return i;
            }
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** {@code acc}: 1 when the prediction is the gold. */
    public double acc() {
        return pred == gold ? 1.0 : 0.0;
    }

    /** {@code acc_norm}: 1 when the length-normalized prediction is the gold. */
    public double accNorm() {
        return predNorm == gold ? 1.0 : 0.0;
    }
}
