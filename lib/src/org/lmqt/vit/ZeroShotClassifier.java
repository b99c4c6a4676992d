package org.lmqt.vit;

import java.util.List;
import org.lmqt.clip.ClipModel;
import org.lmqt.clip.TowerOutput;

/**
 * CLIP_benchmark's zero-shot classification: each class's weight is the mean of the normalised text embeddings of
 * its prompts, normalised again; an image's logits are {@code 100 * image_embed . weight}.
 */
public final class ZeroShotClassifier {
    private final float[] weights;  // [classes, proj], unit rows
    private final int classes;
    private final int dim;

    private ZeroShotClassifier(float[] weights, int classes, int dim) {
        this.weights = weights;
        this.classes = classes;
        this.dim = dim;
    }

    /** The classifier of {@code classNames} with {@code templates}, prompts tokenized by {@code tokenizer}. */
    public static ZeroShotClassifier build(ClipModel model, PromptTokenizer tokenizer, List<String> classNames,
                                           List<String> templates) {
        int dim = model.config().projectionDim();
        float[] w = new float[classNames.size() * dim];  // [classes, proj]
        for (int c = 0; c < classNames.size(); c++) {
            List<String> prompts = ZeroShotTemplates.prompts(templates, classNames.get(c));
            long[][] ids = prompts.stream().map(tokenizer::encode).toArray(long[][]::new);  // [prompts, ctx]
            // normalised prompt embeddings, their mean, normalised again
            float[] e = model.encodeTexts(ids).embeds();                                     // [prompts, proj]
            float[] mean = new float[dim];
            for (int p = 0; p < prompts.size(); p++) {
                for (int j = 0; j < dim; j++) {
                    mean[j] += e[p * dim + j] / prompts.size();
                }
            }
            System.arraycopy(TowerOutput.normalizeRows(mean, dim), 0, w, c * dim, dim);
        }
        return new ZeroShotClassifier(w, classNames.size(), dim);
    }

    /** {@code 100 * features @ weights^T}: {@code [n, classes]} from normalised image features {@code [n, proj]}. */
    public float[] logits(float[] features) {
        int n = features.length / dim;
        float[] out = new float[n * classes];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < classes; c++) {
                float s = 0;
                for (int j = 0; j < dim; j++) {
                    s += features[i * dim + j] * weights[c * dim + j];
                }
                out[i * classes + c] = 100f * s;
            }
        }
        return out;
    }
}
