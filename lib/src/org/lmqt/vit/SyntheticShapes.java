package org.lmqt.vit;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * A small seeded image-classification set in ImageNet-style folders ({@code train/} and {@code test/}): coloured
 * shapes (a class is a colour and a shape) of random size and position on a noisy grey background, PNG. Made for
 * checking the ViT harness on tiny CLIPs, whose random weights can still separate colours.
 */
public final class SyntheticShapes {
    /** The classes: folder name, colour, shape. */
    public static final List<String> CLASSES = List.of("red_square", "green_circle", "blue_triangle",
            "yellow_square", "magenta_circle", "cyan_triangle");
    private static final Color[] COLOURS = {Color.RED, Color.GREEN, Color.BLUE, Color.YELLOW, Color.MAGENTA,
            Color.CYAN};

    private SyntheticShapes() {}

    /** Writes {@code perClassTrain}/{@code perClassTest} images of {@code side} pixels per class under {@code root}. */
    public static void write(Path root, int perClassTrain, int perClassTest, int side, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (String split : List.of("train", "test")) {
            int count = split.equals("train") ? perClassTrain : perClassTest;
            for (int c = 0; c < CLASSES.size(); c++) {
                Path dir = root.resolve(split).resolve(CLASSES.get(c));
                try {
                    Files.createDirectories(dir);
                    for (int i = 0; i < count; i++) {
                        ImageIO.write(draw(c, side, rng), "png", dir.resolve(String.format("%04d.png", i)).toFile());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
                }
            }
        }
    }

    private static BufferedImage draw(int cls, int side, SplittableRandom rng) {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        // noisy grey background
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int g = 100 + rng.nextInt(56);
                img.setRGB(x, y, (g << 16) | (g << 8) | g);
            }
        }
        // one shape of random size and position
        Graphics2D g = img.createGraphics();
        g.setColor(COLOURS[cls]);
        int size = side / 3 + rng.nextInt(side / 3);
        int x = rng.nextInt(side - size + 1);
        int y = rng.nextInt(side - size + 1);
        switch (cls % 3) {
            case 0 -> g.fillRect(x, y, size, size);
            case 1 -> g.fillOval(x, y, size, size);
            default -> g.fillPolygon(new int[] {x, x + size / 2, x + size}, new int[] {y + size, y, y + size}, 3);
        }
        g.dispose();
        return img;
    }
}
