package org.lmqt.plot;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The plotly.js bundle, read from the webjar {@code org.webjars.npm:plotly.js-dist} on the classpath so that pages
 * work offline. The webjar ships only the unminified bundle (about 11 MB): that is what pages inline.
 */
public final class PlotlyJs {
    /** The webjar version; keep in step with {@code Deps.java} and the pom. */
    public static final String VERSION = "3.3.1";
    /** Classpath location of the bundle inside the webjar. */
    public static final String RESOURCE = "META-INF/resources/webjars/plotly.js-dist/" + VERSION + "/plotly.js";

    private static volatile String cached;

    private PlotlyJs() {}

    /** The JavaScript source of plotly.js (loaded once, then cached). */
    public static String source() {
        String s = cached;
        if (s == null) {
            synchronized (PlotlyJs.class) {
                s = cached;
                if (s == null) {
                    s = load();
                    cached = s;
                }
            }
        }
        return s;
    }

    private static String load() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        try (InputStream in = (cl != null ? cl : PlotlyJs.class.getClassLoader()).getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("plotly.js " + VERSION + " is not on the classpath (" + RESOURCE
                        + "): add org.webjars.npm:plotly.js-dist:" + VERSION);
            }
            String js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            // a literal "</script>" inside the bundle would end our inline <script> element early
            return js.replace("</script", "<\\/script");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }
}
