package org.lmqt.harness;

import java.nio.file.Path;

/** Test helper run as its own JVM: holds the experiment lock of {@code args[0]} until it is killed. */
public final class LockHolderMain {
    private LockHolderMain() {}

    public static void main(String[] args) throws InterruptedException {
        ExperimentLock lock = ExperimentLock.acquire(Path.of(args[0]));
        System.out.println("locked");
        System.out.flush();
        Thread.sleep(120_000);
        lock.close();
    }
}
