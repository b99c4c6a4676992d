package org.lmqt.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.lmqt.cli.UserException;

/**
 * An exclusive lock on {@code <experiment dir>/.lock} held for the whole run, so two harness processes never work
 * on the same experiment. The operating system releases it when the process dies, even by SIGKILL; the file
 * stays (it records the holder's process id). Slurm array tasks and the combining job of one experiment take it
 * shared ({@link #acquireShared}): they run side by side, each on its own subtask, but never beside a local run.
 */
public final class ExperimentLock implements AutoCloseable {
    /** Name of the lock file. */
    public static final String FILE = ".lock";

    /** Lock files this JVM holds exclusively (the operating system does not tell threads of one process apart). */
    private static final java.util.Set<Path> HELD_EXCLUSIVELY = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final FileChannel channel;
    private final FileLock lock;
    private Path exclusiveFile = null;

    /**
     * Takes the lock shared with the other array tasks of the experiment, or refuses with a one-line
     * {@link UserException} while a local run holds it; where the file system has no locks, goes ahead unlocked.
     */
    public static ExperimentLock acquireShared(Path experimentDir) {
        Path file = experimentDir.resolve(FILE);
        try {
            Files.createDirectories(experimentDir);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock(0, Long.MAX_VALUE, true);
            } catch (OverlappingFileLockException e) {
                // this JVM holds it already: shared (another task's thread) goes along, exclusive refuses
                if (!HELD_EXCLUSIVELY.contains(file.toAbsolutePath().normalize())) {
                    return new ExperimentLock(ch, null);
                }
                lock = null;
            } catch (IOException noLocks) {
                return new ExperimentLock(ch, null);
            }
            if (lock == null) {
                String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
                ch.close();
                throw new UserException("experiment " + experimentDir + " is in use by a local run"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; wait for it to finish");
            }
            return new ExperimentLock(ch, lock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    private ExperimentLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock or refuses with a one-line {@link UserException} naming the holder. */
    public static ExperimentLock acquire(Path experimentDir) {
        Path file = experimentDir.resolve(FILE);
        try {
            Files.createDirectories(experimentDir);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
                ch.close();
                boolean alive = holder.matches("\\d+") && ProcessHandle.of(Long.parseLong(holder)).isPresent();
                throw new UserException("experiment " + experimentDir + " is in use by another run"
                        + (alive ? " (pid " + holder + ")" : " (Slurm array tasks; see quant-llm --status)")
                        + "; wait for it to finish or use another --experiment-name");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            ExperimentLock held = new ExperimentLock(ch, lock);
            held.exclusiveFile = file.toAbsolutePath().normalize();
            HELD_EXCLUSIVELY.add(held.exclusiveFile);
            return held;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            if (exclusiveFile != null) {
                HELD_EXCLUSIVELY.remove(exclusiveFile);
            }
            if (lock != null) {
                lock.release();
            }
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
