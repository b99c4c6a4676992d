package org.lmqt.plot;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lmqt.cli.UserException;
import org.lmqt.io.AtomicFiles;

/**
 * A headless Chromium for render checks and static export (PNG, SVG, PDF) of {@link HtmlPage} figures. Every run
 * starts a fresh browser with its own temporary profile, no GPU, no background networking, and is killed after
 * a time limit. The binary is {@code $LMQT_CHROMIUM}, else the first of {@code chromium}, {@code chromium-browser},
 * {@code google-chrome}, {@code google-chrome-stable}, {@code headless_shell} on the {@code PATH}.
 */
public final class Chromium {
    /** Names tried on the PATH, in order. */
    public static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome",
            "google-chrome-stable", "headless_shell");
    /** What users read when no browser is found. */
    public static final String MISSING = "no headless Chromium found (tried $LMQT_CHROMIUM and " + NAMES
            + " on the PATH); install one (Debian/Ubuntu: apt-get install chromium) or set LMQT_CHROMIUM."
            + " The HTML figures do not need it, only static export (PNG, SVG, PDF) does";

    private static final Pattern TRACE_GROUP = Pattern.compile("<g class=\"trace[ \"]");

    private final Path binary;
    private final Duration timeout;

    private Chromium(Path binary, Duration timeout) {
        this.binary = binary;
        this.timeout = timeout;
    }

    /** The browser found on this machine, if any. */
    public static Optional<Chromium> find() {
        String env = System.getenv("LMQT_CHROMIUM");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isExecutable(p) ? Optional.of(new Chromium(p, Duration.ofSeconds(60))) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : NAMES) {
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                    return Optional.of(new Chromium(p, Duration.ofSeconds(60)));
                }
            }
        }
        return Optional.empty();
    }

    /** The browser, or a {@link UserException} with {@link #MISSING}. */
    public static Chromium require() {
        return find().orElseThrow(() -> new UserException(MISSING));
    }

    /** The executable. */
    public Path binary() {
        return binary;
    }

    /** Loads {@code html}, lets its scripts run, and reports what was drawn. */
    public RenderResult render(Path html) {
        return parse(dumpDom(html, ""));
    }

    /**
     * Exports the figure page {@code html} to {@code out}; the format follows the extension: {@code .svg} and
     * {@code .png} through {@code Plotly.toImage} (PNG at twice the figure size), {@code .pdf} by printing the page.
     */
    public void export(Path html, Path out) {
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        String format = name.substring(name.lastIndexOf('.') + 1);
        switch (format) {
            case "pdf" -> AtomicFiles.write(out, tmp -> run(html, "", List.of("--no-pdf-header-footer",
                    "--print-to-pdf=" + tmp.toAbsolutePath()), null));
            case "svg", "png" -> {
                String dom = dumpDom(html, "#export=" + format);
                RenderResult r = parse(dom);
                if (!r.errors().isEmpty()) {
                    throw new IllegalStateException("export of " + html + " failed: " + r.errors().get(0));
                }
                Matcher m = Pattern.compile("<pre id=\"lmqt-export\" hidden=\"\">([^<]*)</pre>").matcher(dom);
                if (!m.find() || m.group(1).isEmpty()) {
                    throw new IllegalStateException("export of " + html + " produced no image (not an lmqt figure page?)");
                }
                String url = unescape(m.group(1));
                byte[] bytes = url.startsWith("data:image/png;base64,")
                        ? Base64.getDecoder().decode(url.substring(url.indexOf(',') + 1))
                        : java.net.URLDecoder.decode(url.substring(url.indexOf(',') + 1), StandardCharsets.UTF_8)
                                .getBytes(StandardCharsets.UTF_8);
                AtomicFiles.write(out, tmp -> Files.write(tmp, bytes));
            }
            default -> throw new UserException("unknown export format '" + format + "' of " + out + " (use .png, .svg or .pdf)");
        }
    }

    /** The DOM after the page's scripts ran ({@code --dump-dom}); {@code fragment} is appended to the file URL. */
    public String dumpDom(Path html, String fragment) {
        try {
            Path dom = Files.createTempFile("lmqt-dom", ".html");
            try {
                run(html, fragment, List.of("--dump-dom"), dom);
                return Files.readString(dom, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(dom);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Chromium's output: " + e.getMessage(), e);
        }
    }

    /** Reads the page's markers back from a dumped DOM. */
    static RenderResult parse(String dom) {
        int start = dom.indexOf("<html");
        String root = start < 0 ? "" : dom.substring(start, dom.indexOf('>', start) + 1);
        boolean rendered = root.contains("data-lmqt-rendered=\"true\"");
        Matcher t = Pattern.compile("data-lmqt-traces=\"(\\d+)\"").matcher(root);
        int traces = t.find() ? Integer.parseInt(t.group(1)) : 0;
        List<String> errors = new ArrayList<>();
        Matcher e = Pattern.compile("data-lmqt-errors=\"([^\"]*)\"").matcher(root);
        if (e.find()) {
            try {
                for (JsonNode n : Json.MAPPER.readTree(unescape(e.group(1)))) {
                    errors.add(n.asText());
                }
            } catch (IOException ex) {
                errors.add("unreadable error list: " + e.group(1));
            }
        }
        int drawn = (int) TRACE_GROUP.matcher(dom).results().count();
        return new RenderResult(rendered, traces, drawn, dom.contains("class=\"main-svg\""), errors);
    }

    private void run(Path html, String fragment, List<String> mode, Path stdout) throws IOException {
        Path profile = Files.createTempDirectory("lmqt-chromium");
        try {
            List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run",
                    "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + profile,
                    "--virtual-time-budget=15000"));
            cmd.addAll(mode);
            cmd.add(html.toAbsolutePath().toUri() + fragment);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.redirectOutput(stdout == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(stdout.toFile()));
            Process p = pb.start();
            boolean done = p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException("Chromium did not finish " + html + " within " + timeout.toSeconds() + " s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("Chromium failed on " + html + " (exit " + p.exitValue() + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while Chromium ran", e);
        } finally {
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a leftover temporary profile is harmless
        }
    }

    private static String unescape(String s) {
        return s.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'")
                .replace("&amp;", "&");
    }
}
