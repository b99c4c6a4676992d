package org.lmqt;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locations of test inputs: the project root and {@code ../shared} beside it (fixtures, paper data, corpus). */
public final class TestData {
    private TestData() {}

    /** The project root (Surefire passes it as {@code lmqt.root}; else the working directory). */
    public static Path root() {
        return Path.of(System.getProperty("lmqt.root", ".")).toAbsolutePath().normalize();
    }

    /** {@code ../shared}, which CI and every developer have beside the project. */
    public static Path shared() {
        Path p = root().resolveSibling("shared");
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("../shared is missing beside " + root() + ": tests need it");
        }
        return p;
    }

    /** A path under {@code ../shared}. */
    public static Path shared(String relative) {
        return shared().resolve(relative);
    }
}
