package org.lmqt.cli;

import java.io.PrintStream;
import java.time.Duration;

/**
 * A text progress bar on stderr: redrawn in place on a terminal, one line every 10% otherwise (logs, CI).
 * {@code try (var bar = new ProgressBar("fnorm Llama-2-7b-hf", 224)) { ... bar.step(); }}
 */
public final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 30;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean interactive;
    private final long startNanos = System.nanoTime();
    private long done;
    private long lastDrawNanos;
    private int lastDecile = -1;

    public ProgressBar(String label, long total) {
        this(label, total, System.err, System.console() != null);
    }

    ProgressBar(String label, long total, PrintStream out, boolean interactive) {
        this.label = label;
        this.total = Math.max(total, 1);
        this.out = out;
        this.interactive = interactive;
    }

    /** Marks one unit done. Thread-safe. */
    public synchronized void step() {
        stepBy(1);
    }

    /** Marks {@code n} units done. Thread-safe. */
    public synchronized void stepBy(long n) {
        done = Math.min(total, done + n);
        long now = System.nanoTime();
        if (interactive) {
            if (now - lastDrawNanos > 100_000_000L || done == total) {
                lastDrawNanos = now;
                out.print("\r" + line());
                out.flush();
            }
        } else {
            int decile = (int) (done * 10 / total);
            if (decile != lastDecile) {
                lastDecile = decile;
                out.println(line());
            }
        }
    }

    private String line() {
        double frac = (double) done / total;
        int filled = (int) Math.round(frac * WIDTH);
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        String eta = done == 0 ? "?" : format(elapsed / done * (total - done));
        return String.format("%s [%s%s] %d/%d %3.0f%% %s elapsed, %s left", label, "#".repeat(filled),
                " ".repeat(WIDTH - filled), done, total, frac * 100, format(elapsed), eta);
    }

    private static String format(double seconds) {
        Duration d = Duration.ofMillis((long) (seconds * 1000));
        return d.toHours() > 0 ? String.format("%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
                : String.format("%d:%02d", d.toMinutes(), d.toSecondsPart());
    }

    @Override
    public synchronized void close() {
        if (interactive) {
            out.println();
        }
    }
}
