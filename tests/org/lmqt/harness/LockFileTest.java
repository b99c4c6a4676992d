package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LockFileTest {
    @TempDir
    Path tmp;

    @Test
    void aHeldLockRefusesUntilReleasedAndRecordsItsHolder() {
        Path file = tmp.resolve("state/x.lock");
        Optional<LockFile> first = LockFile.tryAcquire(file);
        assertTrue(first.isPresent());
        LockFile.Holder h = LockFile.holder(file).orElseThrow();
        assertEquals(ProcessHandle.current().pid(), h.pid());
        assertTrue(h.isAlive());
        assertTrue(LockFile.tryAcquire(file).isEmpty(), "a live holder keeps it");
        first.get().close();
        assertFalse(Files.exists(file), "released: the file is gone");
        try (LockFile again = LockFile.tryAcquire(file).orElseThrow()) {
            assertTrue(Files.exists(again.file()));
        }
        try (var files = java.util.stream.Stream.of(tmp.resolve("state").toFile().list())) {
            assertEquals(List.of(), files.toList(), "no temporary file left");
        }
    }

    @Test
    void theLockOfADeadProcessIsTakenOver() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        ProcessHandle self = ProcessHandle.current();
        LockFile.Holder dead = new LockFile.Holder(LockFile.hostName(), p.pid(), "2000-01-01T00:00:00Z", "");
        assertFalse(dead.isAlive());
        // this very pid, but started at another time: a reused pid, so not the holder
        assertFalse(new LockFile.Holder(LockFile.hostName(), self.pid(), "2000-01-01T00:00:00Z", "").isAlive());
        Path file = tmp.resolve("y.lock");
        Files.writeString(file, dead.json());
        try (LockFile taken = LockFile.tryAcquire(file).orElseThrow()) {
            assertEquals(self.pid(), LockFile.holder(file).orElseThrow().pid());
        }
        // a holder on another host outside Slurm cannot be checked: it is taken for alive
        Files.writeString(file, new LockFile.Holder("elsewhere", 1, "", "").json());
        assertTrue(LockFile.tryAcquire(file).isEmpty());
    }
}
