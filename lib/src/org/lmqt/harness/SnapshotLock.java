package org.lmqt.harness;

import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;

/**
 * One writer per snapshot among processes that share a snapshot root (Slurm array tasks of different
 * experiments): the quantizing process holds {@code <parent>/.<snapshot name>.lock} (a {@link LockFile}); any
 * other that needs the same snapshot waits until it is complete and reuses it, or takes over when the holder died.
 * The same lock guards MXQ's FNorm table of a model ({@link #exclusive}).
 */
public final class SnapshotLock {
    /** How long a waiting process sleeps between looks. */
    static final long POLL_MILLIS = 1000;

    private SnapshotLock() {}

    /** The lock file of {@code snapshot}. */
    public static Path lockFile(Path snapshot) {
        return snapshot.resolveSibling("." + snapshot.getFileName() + ".lock");
    }

    /**
     * Runs {@code work} (which writes or reuses {@code target}, such as an FNorm table) holding the lock of
     * {@code target}, waiting while another process holds it.
     */
    public static <T> T exclusive(Path target, java.util.function.Supplier<T> work) {
        boolean announced = false;
        while (true) {
            var lock = LockFile.tryAcquire(lockFile(target));
            if (lock.isPresent()) {
                try (LockFile held = lock.get()) {
                    return work.get();
                }
            }
            if (!announced) {
                System.out.println("waiting for " + LockFile.holder(lockFile(target)).map(LockFile.Holder::describe)
                        .orElse("another process") + " to write " + target);
                announced = true;
            }
            pause(target);
        }
    }

    private static void pause(Path target) {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + target, e);
        }
    }

    /**
     * Runs {@code quantize} (which writes {@code snapshot} and returns its {@code quant_duration}) unless the snapshot
     * is {@code complete} or another process writes it; empty when it was reused.
     */
    public static OptionalDouble quantizeOnce(Path snapshot, Predicate<Path> complete, DoubleSupplier quantize) {
        boolean announced = false;
        while (!complete.test(snapshot)) {
            var lock = LockFile.tryAcquire(lockFile(snapshot));
            if (lock.isPresent()) {
                try (LockFile held = lock.get()) {
                    return complete.test(snapshot) ? OptionalDouble.empty() : OptionalDouble.of(quantize.getAsDouble());
                }
            }
            if (!announced) {
                System.out.println("waiting for " + LockFile.holder(lockFile(snapshot)).map(LockFile.Holder::describe)
                        .orElse("another process") + " to write the snapshot " + snapshot);
                announced = true;
            }
            pause(snapshot);
        }
        return OptionalDouble.empty();
    }
}
