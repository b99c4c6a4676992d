package org.lmqt.vit;

/**
 * CLIP_benchmark's classification metrics.
 *
 * @param acc1               share of images whose class scores highest
 * @param acc5               share whose class is among the 5 highest ({@code NaN} with fewer than 5 classes, as
 *                           CLIP_benchmark reports it)
 * @param meanPerClassRecall scikit-learn's {@code balanced_accuracy_score}: the mean over the classes present of
 *                           their recall
 */
public record ClassificationScores(double acc1, double acc5, double meanPerClassRecall) {

    /** The scores of {@code logits [n, classes]} against {@code labels [n]}; ties rank the lower class first. */
    public static ClassificationScores of(float[] logits, int[] labels, int classes) {
        int n = labels.length;
        if (n == 0 || logits.length != n * classes) {
            throw new IllegalArgumentException("logits must be [" + n + ", " + classes + "] with n > 0");
        }
        int top1 = 0;
        int top5 = 0;
        long[] hits = new long[classes];
        long[] count = new long[classes];
        for (int i = 0; i < n; i++) {
            int y = labels[i];
            // the rank of the true class: classes scoring higher, or equal with a lower index
            float s = logits[i * classes + y];
            int rank = 0;
            for (int c = 0; c < classes; c++) {
                float v = logits[i * classes + c];
                if (v > s || (v == s && c < y)) {
                    rank++;
                }
            }
            top1 += rank == 0 ? 1 : 0;
            top5 += rank < 5 ? 1 : 0;
            count[y]++;
            hits[y] += rank == 0 ? 1 : 0;
        }
        // balanced accuracy: mean recall over the classes that occur
        double recall = 0;
        int present = 0;
        for (int c = 0; c < classes; c++) {
            if (count[c] > 0) {
                recall += (double) hits[c] / count[c];
                present++;
            }
        }
        return new ClassificationScores((double) top1 / n, classes >= 5 ? (double) top5 / n : Double.NaN,
                recall / present);
    }
}
