package org.lmqt.vit;

import java.util.List;

/**
 * One split of a classification data set.
 *
 * @param classNames the class names by index (used in the zero-shot prompts)
 * @param images     the images with their class indices
 */
public record ImageSet(List<String> classNames, List<LabeledImage> images) {

    public ImageSet {
        classNames = List.copyOf(classNames);
        images = List.copyOf(images);
        if (classNames.isEmpty()) {
            throw new IllegalArgumentException("a data set needs at least one class");
        }
        for (LabeledImage i : images) {
            if (i.label() >= classNames.size()) {
                throw new IllegalArgumentException(i.name() + ": class index " + i.label() + " but only "
                        + classNames.size() + " classes");
            }
        }
    }

    /** The class index of every image, in order. */
    public int[] labels() {
        return images.stream().mapToInt(LabeledImage::label).toArray();
    }
}
