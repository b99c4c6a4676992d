package org.lmqt.vit;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import org.lmqt.cli.UserException;

/**
 * One image of a data set with its class index; the bytes are read when needed.
 *
 * @param name  where it comes from (a file, or {@code shard.tar:key.jpg}), for error messages
 * @param label class index
 * @param bytes the encoded image (JPEG, PNG, ...)
 */
public record LabeledImage(String name, int label, Supplier<byte[]> bytes) {

    public LabeledImage {
        if (label < 0) {
            throw new IllegalArgumentException(name + ": negative class index " + label);
        }
    }

    /** The decoded image; a one-line error when it does not decode. */
    public BufferedImage decode() {
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes.get()));
            if (img == null) {
                throw new UserException(name + ": not a decodable image (javax.imageio reads JPEG, PNG, BMP, GIF)");
            }
            return img;
        } catch (IOException e) {
            throw new UserException(name + ": cannot decode the image (" + e.getMessage() + ")");
        }
    }
}
