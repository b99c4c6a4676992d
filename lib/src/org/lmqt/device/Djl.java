package org.lmqt.device;

import ai.djl.ndarray.NDManager;

/**
 * The one entry point to DJL's PyTorch engine. Its static initializer turns on offline mode and opts out of DJL's
 * usage tracking before any DJL class loads (a second guard besides {@code -Dai.djl.offline=true
 * -DOPT_OUT_TRACKING=true} on the command line), so nothing is ever downloaded or reported.
 */
public final class Djl {
    /** Environment variable that sets libtorch's intra-op threads (tiny models and busy machines: 1). */
    public static final String THREADS_ENV = "LMQT_THREADS";
    /** System property with the same effect as {@value #THREADS_ENV}. */
    public static final String THREADS_PROPERTY = "lmqt.threads";

    static {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.default_engine", "PyTorch");
        // DJL's INFO lines (library extraction, thread counts) would clutter every script's output
        if (System.getProperty("org.slf4j.simpleLogger.log.ai.djl") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "warn");
        }
        System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        // our forward pass is one sequential chain of ops: inter-op parallelism only adds spinning threads
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        // intra-op threads: LMQT_THREADS (or -Dlmqt.threads); default libtorch's choice (all cores)
        String threads = System.getProperty(THREADS_PROPERTY, System.getenv(THREADS_ENV));
        if (threads != null && !threads.isBlank() && System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", threads.strip());
        }
    }


    private Djl() {}

    /** A new root manager of the PyTorch engine on {@code device}; close it (try-with-resources). */
    public static NDManager newManager(ComputeDevice device) {
        return NDManager.newBaseManager(device.djlDevice(), "PyTorch");
    }

    /** Makes sure the static initializer ran (call before touching other DJL classes). */
    public static void init() {
        // the static initializer does the work
    }
}
