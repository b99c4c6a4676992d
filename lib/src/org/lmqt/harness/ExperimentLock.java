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
 * stays (it records the holder's process id).
 */
public final class ExperimentLock implements AutoCloseable {
    /** Name of the lock file. */
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

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
                throw new UserException("experiment " + experimentDir + " is in use by another run"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; wait for it to finish or use "
                        + "another --experiment-name");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            return new ExperimentLock(ch, lock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
