package org.lmqt.plot;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * The headless Chromium for tests. Where it is missing, tests that need it are skipped on developers' machines
 * but fail in CI ({@code CI} set to anything but {@code false}), so CI never passes without the render checks.
 */
public final class Browser {
    private Browser() {}

    /** The browser, or a skip (no {@code CI}) / failure ({@code CI} set). */
    public static Chromium require() {
        Optional<Chromium> c = Chromium.find();
        if (c.isPresent()) {
            return c.get();
        }
        String ci = System.getenv("CI");
        if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
            fail(Chromium.MISSING + " (CI=" + ci + ": render checks must run in CI; .ci/run installs chromium)");
        }
        Assumptions.abort(Chromium.MISSING + " (set CI=true to make this a failure)");
        return null;
    }
}
