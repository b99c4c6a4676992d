package org.lmqt.vit;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import org.lmqt.clip.ClipConfig;

/**
 * CLIP's image preprocessing, as open_clip's eval transform: resize the shorter side to the model's image size
 * (bicubic), centre crop a square of that size, RGB in [0, 1], normalise per channel with the model's mean and std.
 * The bicubic resampling is Java2D's ({@code VALUE_INTERPOLATION_BICUBIC}, no antialiasing), not PIL's, so pixels
 * differ slightly from torchvision's; accuracies on real data move by far less than quantization does.
 *
 * @param size the model's image side
 * @param mean per-channel mean
 * @param std  per-channel standard deviation
 */
public record ClipPreprocess(int size, float[] mean, float[] std) {

    public ClipPreprocess {
        if (size <= 0 || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("CLIP preprocessing needs a positive size and 3-channel mean/std");
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** The preprocessing of a model. */
    public static ClipPreprocess of(ClipConfig c) {
        return new ClipPreprocess(c.imageSize(), c.mean(), c.std());
    }

    /** The image as the model's input {@code [3, S, S]}, row-major, normalised. */
    public float[] apply(BufferedImage img) {
        // resize the shorter side to S (bicubic), keeping the aspect ratio (rounded as torchvision does)
        int w = img.getWidth();
        int h = img.getHeight();
        int nw = w <= h ? size : (int) Math.floor((double) size * w / h);
        int nh = w <= h ? (int) Math.floor((double) size * h / w) : size;
        BufferedImage resized = new BufferedImage(nw, nh, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = resized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.drawImage(img, 0, 0, nw, nh, null);
        g.dispose();
        // centre crop S x S (torchvision rounds the offsets)
        int left = (int) Math.round((nw - size) / 2.0);
        int top = (int) Math.round((nh - size) / 2.0);
        float[] out = new float[3 * size * size]; // [3, S, S]
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int rgb = resized.getRGB(left + x, top + y);
                int[] ch = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
                // to [0, 1], then normalise per channel
                for (int c = 0; c < 3; c++) {
                    out[(c * size + y) * size + x] = (ch[c] / 255f - mean[c]) / std[c];
                }
            }
        }
        return out;
    }
}
