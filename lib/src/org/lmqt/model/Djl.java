package org.lmqt.model;

import ai.djl.ndarray.NDManager;

/**
 * The one entry point to DJL's PyTorch engine. Its static initializer turns on offline mode and opts out of DJL's
 * usage tracking before any DJL class loads (a second guard besides {@code -Dai.djl.offline=true
 * -DOPT_OUT_TRACKING=true} on the command line), so nothing is ever downloaded or reported.
 */
public final class Djl {
    static {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.default_engine", "PyTorch");
        System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
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
