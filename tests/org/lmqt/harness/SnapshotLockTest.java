package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two workers that need the same snapshot: one writes it, the other waits and reuses it. */
class SnapshotLockTest {
    @TempDir
    Path tmp;

    @Test
    void theSecondWaitsForTheFirstAndReusesItsSnapshot() throws Exception {
        Path snapshot = tmp.resolve("local/tiny-b4g64-hqq");
        AtomicInteger quantized = new AtomicInteger();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        java.util.function.Predicate<Path> complete = p -> Files.isRegularFile(p.resolve("done"));
        java.util.function.DoubleSupplier quantize = () -> {
            quantized.incrementAndGet();
            inside.countDown();
            try {
                assertTrue(finish.await(30, TimeUnit.SECONDS));
                Files.createDirectories(snapshot);
                Files.writeString(snapshot.resolve("done"), "");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return 1.5;
        };
        CompletableFuture<OptionalDouble> first = CompletableFuture.supplyAsync(
                () -> SnapshotLock.quantizeOnce(snapshot, complete, quantize));
        assertTrue(inside.await(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(SnapshotLock.lockFile(snapshot)), "the writer holds the lock");
        CompletableFuture<OptionalDouble> second = CompletableFuture.supplyAsync(
                () -> SnapshotLock.quantizeOnce(snapshot, complete, quantize));
        Thread.sleep(3 * SnapshotLock.POLL_MILLIS);
        assertFalse(second.isDone(), "the second waits while the first writes");
        finish.countDown();
        assertEquals(OptionalDouble.of(1.5), first.get(30, TimeUnit.SECONDS));
        assertEquals(OptionalDouble.empty(), second.get(30, TimeUnit.SECONDS), "reused, not quantized again");
        assertEquals(1, quantized.get());
        assertFalse(Files.exists(SnapshotLock.lockFile(snapshot)), "released");
    }

    @Test
    void exclusiveWorkOnOneTargetRunsOneAtATime() throws Exception {
        Path table = tmp.resolve("fnorm/fnorm-tiny.csv");
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        java.util.function.Supplier<Integer> work = () -> {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            inside.decrementAndGet();
            return 7;
        };
        CompletableFuture<Integer> a = CompletableFuture.supplyAsync(() -> SnapshotLock.exclusive(table, work));
        CompletableFuture<Integer> b = CompletableFuture.supplyAsync(() -> SnapshotLock.exclusive(table, work));
        assertEquals(7, a.get(30, TimeUnit.SECONDS));
        assertEquals(7, b.get(30, TimeUnit.SECONDS));
        assertEquals(1, most.get(), "never two writers at once");
        assertFalse(Files.exists(SnapshotLock.lockFile(table)));
    }
}
