package org.lmqt.vit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.lmqt.cli.UserException;

/**
 * A classification data set on disk, in one of two forms:
 * <ul>
 *   <li>ImageNet-style folders: {@code <root>/<split>/<class>/*.jpg|jpeg|png|bmp|gif}, the classes the sorted folder
 *       names of the split (every split must have the same class folders); a root without split folders is its
 *       own {@code test} split;</li>
 *   <li>webdataset shards, as CLIP_benchmark's {@code wds_*} sets: {@code <root>/<split>/*.tar}, each sample a
 *       {@code <key>.cls} (class index) and a {@code <key>.jpg|jpeg|png} image.</li>
 * </ul>
 * {@code <root>/classnames.txt} (one name per line, in class order) gives the names used in prompts (required for
 * shards; for folders the default is the folder name with {@code _} as space, and {@link ImageNetClassNames} for
 * ImageNet's 1000 WordNet-id folders).
 * {@code <root>/zeroshot_classification_templates.txt} (CLIP_benchmark's file name) or {@code templates.txt}, one
 * template per line with {@code {c}} for the class name, replaces the default ImageNet templates.
 */
public final class ImageData {
    private static final List<String> IMAGE_EXT = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif");

    private ImageData() {}

    /** The split {@code split} ({@code train}, {@code test}) of the data set at {@code root}. */
    public static ImageSet split(Path root, String split) {
        if (!Files.isDirectory(root)) {
            throw new UserException(root + ": no such data folder");
        }
        Path dir = root.resolve(split);
        if (!Files.isDirectory(dir)) {
            if (split.equals("test") && !hasSplits(root)) {
                dir = root;
            } else {
                throw new UserException(root + ": no '" + split + "' split folder");
            }
        }
        List<Path> shards = list(dir).stream().filter(p -> p.getFileName().toString().endsWith(".tar")).toList();
        return shards.isEmpty() ? folders(root, dir) : shards(root, dir, shards);
    }

    /** The zero-shot templates of the data set, or empty for the default ones. */
    public static Optional<List<String>> templates(Path root) {
        for (String name : List.of("zeroshot_classification_templates.txt", "templates.txt")) {
            Path f = root.resolve(name);
            if (Files.isRegularFile(f)) {
                List<String> t = lines(f);
                for (String line : t) {
                    if (!line.contains("{c}")) {
                        throw new UserException(f + ": template '" + line + "' has no {c}");
                    }
                }
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    private static boolean hasSplits(Path root) {
        return Files.isDirectory(root.resolve("train")) || Files.isDirectory(root.resolve("test"));
    }

    /** ImageNet-style class folders; every split of the root must have the same ones. */
    private static ImageSet folders(Path root, Path dir) {
        List<String> classes = classFolders(dir);
        if (classes.isEmpty()) {
            throw new UserException(dir + ": no class folders (expected <class>/*.jpg|png) and no *.tar shards");
        }
        for (String other : List.of("train", "test")) {
            Path o = root.resolve(other);
            if (Files.isDirectory(o) && !o.equals(dir)) {
                for (String c : classFolders(o)) {
                    if (!classes.contains(c)) {
                        throw new UserException(dir + ": missing class folder '" + c + "' (the " + other
                                + " split has it)");
                    }
                }
            }
        }
        List<String> names = classNames(root, classes.size()).orElse(ImageNetClassNames.areImageNetFolders(classes)
                ? ImageNetClassNames.NAMES : classes.stream().map(c -> c.replace('_', ' ')).toList());
        List<LabeledImage> images = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            Path cdir = dir.resolve(classes.get(label));
            List<Path> files = list(cdir).stream().filter(ImageData::isImage).toList();
            if (files.isEmpty()) {
                throw new UserException(cdir + ": class folder without images (*.jpg, *.png, ...)");
            }
            for (Path f : files) {
                images.add(new LabeledImage(f.toString(), label, () -> readAll(f)));
            }
        }
        return new ImageSet(names, images);
    }

    /** Webdataset shards: samples grouped by key, {@code .cls} the class index. */
    private static ImageSet shards(Path root, Path dir, List<Path> shards) {
        List<LabeledImage> images = new ArrayList<>();
        int maxLabel = -1;
        for (Path tar : shards) {
            Map<String, TarShard.Member[]> byKey = new LinkedHashMap<>();   // key -> {cls, image}
            for (TarShard.Member m : TarShard.members(tar)) {
                int dot = m.name().indexOf('.', m.name().lastIndexOf('/') + 1);
                if (dot < 0) {
                    continue;
                }
                String key = m.name().substring(0, dot);
                String ext = m.name().substring(dot).toLowerCase(Locale.ROOT);
                TarShard.Member[] slot = byKey.computeIfAbsent(key, k -> new TarShard.Member[2]);
                if (ext.equals(".cls")) {
                    slot[0] = m;
                } else if (IMAGE_EXT.contains(ext) || ext.equals(".webp")) {
                    slot[1] = m;
                }
            }
            for (var e : byKey.entrySet()) {
                TarShard.Member[] slot = e.getValue();
                if (slot[0] == null || slot[1] == null) {
                    throw new UserException(tar + ": sample '" + e.getKey() + "' lacks a .cls or an image");
                }
                int label;
                try {
                    label = Integer.parseInt(new String(slot[0].read(), StandardCharsets.UTF_8).strip());
                } catch (NumberFormatException ex) {
                    throw new UserException(tar + ": " + slot[0].name() + " is not a class index");
                }
                TarShard.Member img = slot[1];
                images.add(new LabeledImage(tar + ":" + img.name(), label, img::read));
                maxLabel = Math.max(maxLabel, label);
            }
        }
        Path names = root.resolve("classnames.txt");
        if (!Files.isRegularFile(names)) {
            throw new UserException(root + ": webdataset shards need classnames.txt (one class name per line)");
        }
        List<String> classes = lines(names);
        if (maxLabel >= classes.size()) {
            throw new UserException(dir + ": class index " + maxLabel + " but classnames.txt lists only "
                    + classes.size() + " classes");
        }
        return new ImageSet(classes, images);
    }

    private static Optional<List<String>> classNames(Path root, int count) {
        Path f = root.resolve("classnames.txt");
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        List<String> names = lines(f);
        if (names.size() != count) {
            throw new UserException(f + ": " + names.size() + " names for " + count + " class folders");
        }
        return Optional.of(names);
    }

    private static List<String> classFolders(Path dir) {
        return list(dir).stream().filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && IMAGE_EXT.stream().anyMatch(n::endsWith);
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UserException(dir + ": cannot list (" + e.getMessage() + ")");
        }
    }

    private static List<String> lines(Path f) {
        try {
            return Files.readAllLines(f, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new UserException(f + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private static byte[] readAll(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UserException(f + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
