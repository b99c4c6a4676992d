package org.lmqt.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Resolves model names: a folder path as it is, or a Hugging Face id ({@code org/name}) in the local hub cache
 * ({@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}), layout
 * {@code models--org--name/snapshots/<sha>/}: the snapshot named by {@code refs/main}, else the newest one.
 */
public final class HubCache {
    private HubCache() {}

    /** The hub cache folder from the environment. */
    public static Path cacheDir() {
        String hub = System.getenv("HF_HUB_CACHE");
        if (hub != null && !hub.isBlank()) {
            return Path.of(hub);
        }
        String home = System.getenv("HF_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home, "hub");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
    }

    /** A model folder for a path or an HF id; a {@link CheckpointException} when neither exists. */
    public static Path resolve(String pathOrId) {
        return resolve(pathOrId, cacheDir());
    }

    /** As {@link #resolve(String)} with an explicit cache folder. */
    public static Path resolve(String pathOrId, Path cache) {
        Path p = Path.of(pathOrId);
        if (Files.isDirectory(p)) {
            return p;
        }
        if (!pathOrId.matches("[\\w.-]+/[\\w.-]+") || pathOrId.startsWith(".")) {
            throw new CheckpointException(pathOrId + ": no such model folder");
        }
        Path repo = cache.resolve("models--" + pathOrId.replace("/", "--"));
        if (!Files.isDirectory(repo.resolve("snapshots"))) {
            throw new CheckpointException(pathOrId + ": no such model folder, and not in the Hugging Face cache "
                    + cache + " (download it there first, e.g. with huggingface-cli download " + pathOrId + ")");
        }
        return snapshots(repo).stream().findFirst().orElseThrow(() -> new CheckpointException(pathOrId
                + ": the cache entry " + repo + " has no snapshot"));
    }

    /** The cache folder of a dataset id: {@code datasets--org--name} (it need not exist). */
    public static Path datasetFolder(String datasetId, Path cache) {
        return cache.resolve("datasets--" + datasetId.replace("/", "--"));
    }

    /**
     * The snapshots of a cache entry ({@code models--*} or {@code datasets--*}): the one {@code refs/main} names
     * first, then the others newest first; empty when it has none.
     */
    public static List<Path> snapshots(Path repo) {
        Path snapshots = repo.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(snapshots)) {
            Optional<Path> main = mainSnapshot(repo);
            List<Path> ordered = new ArrayList<>();
            main.ifPresent(ordered::add);
            s.filter(p -> Files.isDirectory(p) && !main.map(p::equals).orElse(false))
                    .sorted(Comparator.comparing(HubCache::modified).reversed()).forEach(ordered::add);
            return ordered;
        } catch (IOException e) {
            throw new CheckpointException("cannot read the cache entry " + repo + " (" + e.getMessage() + ")");
        }
    }

    private static Optional<Path> mainSnapshot(Path repo) throws IOException {
        Path ref = repo.resolve("refs").resolve("main");
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        Path named = repo.resolve("snapshots").resolve(Files.readString(ref).strip());
        return Files.isDirectory(named) ? Optional.of(named) : Optional.empty();
    }

    /**
     * The original's short id: the part after {@code /} of an HF id; for a folder, its name, or the model name when
     * the folder is a hub-cache snapshot ({@code models--org--name/snapshots/sha}).
     */
    public static String shortId(String pathOrId, Path resolved) {
        Path abs = resolved.toAbsolutePath().normalize();
        if (abs.getParent() != null && abs.getParent().getFileName() != null
                && abs.getParent().getFileName().toString().equals("snapshots")) {
            String repo = abs.getParent().getParent().getFileName().toString();
            if (repo.startsWith("models--")) {
                String[] parts = repo.substring("models--".length()).split("--");
                return parts[parts.length - 1];
            }
        }
        if (!Files.isDirectory(Path.of(pathOrId)) && pathOrId.contains("/")) {
            return pathOrId.substring(pathOrId.lastIndexOf('/') + 1);
        }
        return abs.getFileName().toString();
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
