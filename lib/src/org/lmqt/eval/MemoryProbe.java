package org.lmqt.eval;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lmqt.device.ComputeDevice;

/**
 * Peak memory of an evaluation. On CPU: the process's peak resident set ({@code VmHWM} of
 * {@code /proc/self/status}; JVM heap, libtorch and all). On CUDA: the largest used GPU memory seen at the
 * {@link #sample()} calls (the device's used memory as the driver reports it; DJL exposes no allocator peak, unlike
 * the original's {@code torch.cuda.max_memory_allocated}).
 */
public final class MemoryProbe {
    private final ComputeDevice device;
    private long peak;

    /** A probe for {@code device}. */
    public MemoryProbe(ComputeDevice device) {
        this.device = device;
    }

    /** What the probe measures, for reports: {@code gpu_used} or {@code process_peak_rss}. */
    public String kind() {
        return device == ComputeDevice.CUDA ? "gpu_used" : "process_peak_rss";
    }

    /** Records the current figure; call after each measured step. */
    public void sample() {
        long now = device == ComputeDevice.CUDA ? CudaUtils.getGpuMemory(Device.gpu()).getUsed() : peakRss();
        peak = Math.max(peak, now);
    }

    /** The largest figure sampled, in bytes (0 when unknown). */
    public long peakBytes() {
        return peak;
    }

    /** The process's peak resident set size in bytes, or 0 where {@code /proc} is unavailable. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024L;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
