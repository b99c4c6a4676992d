package org.lmqt.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.lmqt.device.ComputeDevice;
import org.lmqt.device.Djl;

/** The probe reports growth over its baseline: what is allocated after it counts, what was there before does not. */
class MemoryProbeTest {
    private static final long MIB = 1L << 20;

    @Test
    void measuresWhatIsAllocatedAfterItStarts() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "needs /proc");
        try (NDManager nd = Djl.newManager(ComputeDevice.CPU)) {
            MemoryProbe before = new MemoryProbe(ComputeDevice.CPU);
            NDArray big = nd.ones(new Shape(64 * MIB));             // 256 MiB of float32, every page written
            before.sample();
            assertTrue(before.peakBytes() >= 240 * MIB, before.peakBytes() / MIB + " MiB");
            // a probe started after the allocation does not count it, and sees its release as no growth
            MemoryProbe after = new MemoryProbe(ComputeDevice.CPU);
            big.close();
            after.sample();
            assertTrue(after.peakBytes() < 64 * MIB, after.peakBytes() / MIB + " MiB");
            // the peak between samples counts where the kernel's peak counter can be reset
            MemoryProbe peak = new MemoryProbe(ComputeDevice.CPU);
            NDArray transient_ = nd.ones(new Shape(64 * MIB));
            transient_.close();
            peak.sample();
            if (MemoryProbe.resetPeak()) {
                assertTrue(peak.peakBytes() >= 200 * MIB, "a freed peak " + peak.peakBytes() / MIB + " MiB");
            }
        }
    }
}
