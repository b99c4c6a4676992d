package org.lmqt.vit;

import java.util.List;
import org.lmqt.cli.ProgressBar;
import org.lmqt.clip.ClipModel;
import org.lmqt.clip.TowerOutput;

/** Image features of a data set through a (possibly quantized) CLIP vision tower, in batches. */
public final class ImageFeatures {

    private ImageFeatures() {}

    /**
     * The L2-normalised image features ({@code image_embeds}) of every image, {@code [n, proj]} row-major, as
     * CLIP_benchmark's zero-shot evaluation and its linear-probe featurizer ({@code normalize=True}) use them.
     */
    public static float[] normalized(ClipModel model, ImageSet set, int batchSize, String label) {
        ClipPreprocess pre = ClipPreprocess.of(model.config());
        int s = model.config().imageSize();
        int dim = model.config().projectionDim();
        List<LabeledImage> images = set.images();
        float[] out = new float[images.size() * dim];  // [n, proj]
        try (ProgressBar bar = new ProgressBar(label, images.size())) {
            for (int from = 0; from < images.size(); from += batchSize) {
                int b = Math.min(batchSize, images.size() - from);
                float[] pixels = new float[b * 3 * s * s];  // [b, 3, S, S]
                // decode and preprocess the batch on all cores
                int start = from;
                java.util.stream.IntStream.range(0, b).parallel().forEach(i -> System.arraycopy(
                        pre.apply(images.get(start + i).decode()), 0, pixels, i * 3 * s * s, 3 * s * s));
                TowerOutput t = model.encodeImages(pixels, b);
                System.arraycopy(t.embeds(), 0, out, from * dim, b * dim);
                bar.stepBy(b);
            }
        }
        return out;
    }
}
