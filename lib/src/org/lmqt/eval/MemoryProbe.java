package org.lmqt.eval;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lmqt.device.ComputeDevice;
import org.lmqt.device.Djl;

/**
 * Peak memory of a measured phase, as growth over what was in use when the probe was created, like the original's
 * {@code torch.cuda.reset_peak_memory_stats()} then {@code max_memory_allocated()}: create the probe right before
 * loading a model, and what it reports is the model (plus what the phase allocates), not the runtime.
 * <ul>
 * <li>CPU: the process's resident set. DJL's engine (libtorch) is initialised first, so its libraries are part of
 * the baseline; on Linux the kernel's peak counter is reset ({@code /proc/self/clear_refs}), so {@code VmHWM}
 * afterwards is the true peak of the phase; elsewhere the largest {@code VmRSS} seen at the {@link #sample()} calls.
 * The checkpoint is read with positional reads, not mapped, so file pages never count.</li>
 * <li>CUDA: the device's used memory as the driver reports it, at the {@link #sample()} calls (DJL exposes no
 * allocator peak); the CUDA context is in the baseline.</li>
 * </ul>
 */
public final class MemoryProbe {
    private static final Path STATUS = Path.of("/proc/self/status");
    private final ComputeDevice device;
    private final long baseline;
    private final boolean peakReset;
    private long peak;

    /** A probe for {@code device} whose baseline is the memory in use now. */
    public MemoryProbe(ComputeDevice device) {
        this.device = device;
        if (device == ComputeDevice.CUDA) {
            this.baseline = gpuUsed();
            this.peakReset = false;
        } else {
            Djl.newManager(device).close();   // the engine's libraries belong to the baseline
            this.peakReset = resetPeak();
            this.baseline = status("VmRSS:");
        }
    }

    /** What the probe measures, for reports: {@code gpu_used_growth} or {@code rss_growth}. */
    public String kind() {
        return device == ComputeDevice.CUDA ? "gpu_used_growth" : "rss_growth";
    }

    /** Records the current figure; call after each measured step. */
    public void sample() {
        long now = device == ComputeDevice.CUDA ? gpuUsed() : status(peakReset ? "VmHWM:" : "VmRSS:");
        peak = Math.max(peak, now - baseline);
    }

    /** The baseline plus the largest growth sampled: the peak figure itself (process resident set, GPU used). */
    public long peakTotalBytes() {
        return baseline + peak;
    }

    /** The largest growth sampled, in bytes (0 when unknown). */
    public long peakBytes() {
        return peak;
    }

    private static long gpuUsed() {
        return CudaUtils.getGpuMemory(Device.gpu()).getUsed();
    }

    /** Resets the kernel's peak resident set ({@code VmHWM}) to the current one; false where that is unsupported. */
    static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A {@code kB} field of {@code /proc/self/status} in bytes, or 0 where {@code /proc} is unavailable. */
    static long status(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field)) {
                    String[] f = line.substring(field.length()).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024L;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
