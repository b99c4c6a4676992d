package org.lmqt.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes files through a temporary sibling and a rename, so a killed run never leaves a half-written file. */
public final class AtomicFiles {

    /** Body of an atomic write. */
    @FunctionalInterface
    public interface WriterBody {
        void write(Writer out) throws IOException;
    }

    /** Body of an atomic write to a path (for libraries that want a file name). */
    @FunctionalInterface
    public interface PathBody {
        void write(Path tmp) throws IOException;
    }

    private AtomicFiles() {}

    /** Writes UTF-8 text atomically. */
    public static void writeText(Path target, WriterBody body) {
        write(target, tmp -> {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                body.write(w);
            }
        });
    }

    /** Writes a string atomically. */
    public static void writeString(Path target, String text) {
        writeText(target, w -> w.write(text));
    }

    /** Lets {@code body} fill a temporary file next to {@code target}, then renames it into place. */
    public static void write(Path target, PathBody body) {
        Path abs = target.toAbsolutePath();
        try {
            Files.createDirectories(abs.getParent());
            // createFile (not createTempFile, which is owner-only) so the result gets the usual umask permissions
            Path tmp = Files.createFile(abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(
                    java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp"));
            try {
                body.write(tmp);
                try {
                    Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
