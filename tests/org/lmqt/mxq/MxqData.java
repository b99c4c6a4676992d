package org.lmqt.mxq;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.lmqt.TestData;

/** Cached FNorm tables of the archived paper data (reading one takes ~100 ms). */
final class MxqData {
    private static final Map<Path, FnormTable> CACHE = new HashMap<>();

    private MxqData() {}

    /** {@code paper-data/src/data/fnorm-<model>.csv} (the tables the original's harness loads). */
    static synchronized FnormTable src(String model) {
        return CACHE.computeIfAbsent(TestData.shared("paper-data/src/data/fnorm-" + model + ".csv"), FnormTable::read);
    }

    /** {@code paper-data/data-vis/data/fnorm/fnorm-<model>.csv} (with {@code kurtosis_scaled}). */
    static synchronized FnormTable vis(String model) {
        return CACHE.computeIfAbsent(TestData.shared("paper-data/data-vis/data/fnorm/fnorm-" + model + ".csv"),
                FnormTable::read);
    }
}
