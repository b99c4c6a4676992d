package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.UserException;

/** Two processes on one experiment: the second refuses with a clear message; SIGKILL of the first frees the lock. */
class CrossProcessLockTest {

    @Test
    void aSecondProcessIsRefusedUntilTheFirstDies(@TempDir Path experiment) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process holder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                LockHolderMain.class.getName(), experiment.toString())).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("locked", out.readLine(), "the holder process took the lock");
            UserException refused = assertThrows(UserException.class, () -> ExperimentLock.acquire(experiment));
            assertTrue(refused.getMessage().contains("in use by another run (pid " + holder.pid() + ")"),
                    refused.getMessage());
        } finally {
            holder.destroyForcibly();   // SIGKILL
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        // the operating system released the dead process's lock
        try (ExperimentLock lock = ExperimentLock.acquire(experiment)) {
            assertTrue(lock != null);
        }
    }
}
