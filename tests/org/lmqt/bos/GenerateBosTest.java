package org.lmqt.bos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.Cli;
import org.lmqt.io.TextRecords;

/** generate-bos against a misbehaving in-test server: the error paths, the retries and the resume. */
class GenerateBosTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LINE_A = "Algebra studies symbols and the rules, \"for\" manipulating them, in general.";
    private static final String LINE_B = "Geometry is concerned with the properties of space, shape, size and angle.";

    @TempDir
    Path tmp;
    HttpServer fake;
    /** Requests seen per prompt. */
    final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    final AtomicInteger total = new AtomicInteger();

    /** What the fake server does: a status and body, or null to drop the connection. */
    record Reply(int status, String body) {
        static Reply ok(String text) {
            return new Reply(200, JSON.createObjectNode().set("choices", JSON.createArrayNode().add(
                    JSON.createObjectNode().put("text", text).put("index", 0))).toString());
        }
    }

    /** Answers like a model that knows two sub-topics of Math and explains them in one long and one short line. */
    static Reply sensible(String prompt) {
        if (prompt.startsWith("Split the field of Math")) {
            return Reply.ok(" 1. Algebra, 2. Geometry, Calculus");
        }
        if (prompt.startsWith("Explain Algebra")) {
            return Reply.ok("Short intro.\n" + LINE_A + "\n");
        }
        if (prompt.startsWith("Explain Geometry")) {
            return Reply.ok(LINE_B + "\nok");
        }
        return new Reply(400, "{\"error\": {\"message\": \"unexpected prompt\"}}");
    }

    private URI serve(BiFunction<String, Integer, Reply> behaviour) throws IOException {
        fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        fake.createContext("/v1/completions", ex -> answer(ex, behaviour));
        fake.start();
        return URI.create("http://127.0.0.1:" + fake.getAddress().getPort() + "/v1");
    }

    private void answer(HttpExchange ex, BiFunction<String, Integer, Reply> behaviour) throws IOException {
        String prompt = JSON.readTree(ex.getRequestBody()).path("prompt").asText();
        int n = seen.computeIfAbsent(prompt, k -> new AtomicInteger()).incrementAndGet();
        total.incrementAndGet();
        Reply r = behaviour.apply(prompt, n);
        if (r == null) {
            throw new IOException("dropping the connection"); // the JDK server closes it without an answer
        }
        byte[] b = r.body().getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(r.status(), b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    @AfterEach
    void stop() {
        if (fake != null) {
            fake.stop(0);
        }
    }

    private BosGenerator.Settings settings(boolean trace, int concurrency) throws IOException {
        Path topics = tmp.resolve("topics.txt");
        Files.writeString(topics, "\"Math\":2\n");
        return new BosGenerator.Settings("org/Tiny-Chat", "test", trace, topics, tmp.resolve("results"),
                tmp.resolve("out"), concurrency);
    }

    private static BosGenerator generator(BosGenerator.Settings s, URI base, String key, PrintStream log) {
        return new BosGenerator(s, new CompletionClient(new CompletionClient.Endpoint(base, Optional.ofNullable(key),
                "org/Tiny-Chat", 0.6, 64, OptionalLong.of(1), Duration.ofSeconds(5), 2, Duration.ofMillis(10))), log);
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    @Test
    void writesTheRecordsTraceLogsAndSplit() throws Exception {
        URI base = serve((p, n) -> sensible(p));
        BosGenerator.Settings s = settings(true, 3);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BosGenerator.Summary sum = generator(s, base, null, new PrintStream(log, true, StandardCharsets.UTF_8)).run();
        assertEquals(new BosGenerator.Summary(1, 2, 0, 2, 2), sum);
        assertEquals(tmp.resolve("out/data-Tiny-Chat-test.csv"), s.output());
        List<BosRecord> rows = BosCsv.read(s.output());
        assertEquals(Map.of("Algebra", LINE_A, "Geometry", LINE_B), Map.of(rows.get(0).topic(), rows.get(0).text(),
                rows.get(1).topic(), rows.get(1).text()));
        rows.forEach(r -> assertTrue(r.timestamp().matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d"), r.timestamp()));
        assertTrue(Files.readString(s.output()).startsWith("topic,text,timestamp\n"));
        assertEquals(2, TextRecords.read(s.output()).size(), "readable as a calibration set");
        // trace: the raw answers, a timing line per sub-topic and the total
        assertEquals("Short intro.\n" + LINE_A + "\n", Files.readString(tmp.resolve(
                "results/output-Algebra-Tiny-Chat-test.log")));
        assertTrue(Files.exists(tmp.resolve("results/output-l1-Math-Tiny-Chat-test.log")));
        String printed = log.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("Geometry: ") && printed.contains("total "), printed);
        BosCsv.split(rows, tmp.resolve("out"));
        assertEquals(1, BosCsv.read(tmp.resolve("out/test.csv")).size());
        // a rerun has nothing left to ask
        int before = total.get();
        assertEquals(new BosGenerator.Summary(1, 2, 2, 0, 2), generator(s, base, null, quiet()).run());
        assertEquals(before, total.get(), "no request on a complete rerun");
    }

    @Test
    void a401FailsAtOnceAndWritesNothing() throws Exception {
        URI base = serve((p, n) -> new Reply(401, "{\"error\": {\"message\": \"incorrect API key\"}}"));
        BosGenerator.Settings s = settings(false, 1);
        CompletionClient.Failure e = assertThrows(CompletionClient.Failure.class,
                () -> generator(s, base, "wrong", quiet()).run());
        assertTrue(e.getMessage().startsWith("HTTP 401 from " + base + "/completions: incorrect API key (check --api-key)"),
                e.getMessage());
        assertEquals(1, total.get(), "not retried");
        assertFalse(Files.exists(s.output()));
        assertFalse(Files.exists(s.plan()));
        assertEquals(1, Cli.oneLine(e).lines().count());
    }

    @Test
    void serverErrorsAndRateLimitsAreRetried() throws Exception {
        URI base = serve((p, n) -> n == 1 ? new Reply(500, "oops") : n == 2 ? new Reply(429, "{}") : sensible(p));
        BosGenerator.Settings s = settings(false, 1);
        assertEquals(2, generator(s, base, null, quiet()).run().records());
        seen.values().forEach(c -> assertEquals(3, c.get(), "a 500, a 429, then the answer"));
    }

    @Test
    void garbageIsRetriedThenReportedOnOneLine() throws Exception {
        URI base = serve((p, n) -> new Reply(200, "<html>not json</html>"));
        BosGenerator.Settings s = settings(false, 1);
        CompletionClient.Failure e = assertThrows(CompletionClient.Failure.class,
                () -> generator(s, base, null, quiet()).run());
        assertTrue(e.getMessage().startsWith("malformed answer from "), e.getMessage());
        assertTrue(e.getMessage().endsWith("(after 2 retries); nothing written yet"),
                e.getMessage());
        assertEquals(3, total.get());
    }

    @Test
    void aDroppedConnectionStopsTheRunAndARerunContinues() throws Exception {
        URI base = serve((p, n) -> p.startsWith("Explain Geometry") ? null : sensible(p));
        BosGenerator.Settings s = settings(false, 1);
        CompletionClient.Failure e = assertThrows(CompletionClient.Failure.class,
                () -> generator(s, base, null, quiet()).run());
        assertTrue(e.getMessage().startsWith("the connection to " + base + "/completions failed"), e.getMessage());
        assertTrue(e.getMessage().endsWith("; 1 rows kept in " + s.output() + ", a rerun continues"), e.getMessage());
        assertEquals(List.of("Algebra"), BosCsv.read(s.output()).stream().map(BosRecord::topic).toList(),
                "the finished sub-topic is kept");
        assertEquals(3, seen.get(BosPrompts.explanation("Geometry")).get());
        fake.stop(0);
        seen.clear();
        URI healthy = serve((p, n) -> sensible(p));
        BosGenerator.Summary again = generator(s, healthy, null, quiet()).run();
        assertEquals(new BosGenerator.Summary(1, 2, 1, 1, 2), again);
        assertEquals(Map.of(BosPrompts.explanation("Geometry"), 1), Map.of(seen.keySet().iterator().next(),
                seen.values().iterator().next().get()), "only the missing sub-topic is asked, not level 1 again");
        assertEquals(List.of("Algebra", "Geometry"), BosCsv.read(s.output()).stream().map(BosRecord::topic).toList());
    }

    @Test
    void anUnreachableEndpointIsOneLine() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        BosGenerator.Settings s = settings(false, 1);
        CompletionClient.Failure e = assertThrows(CompletionClient.Failure.class, () -> generator(s,
                URI.create("http://127.0.0.1:" + port + "/v1"), null, quiet()).run());
        assertTrue(e.getMessage().startsWith("cannot connect to http://127.0.0.1:" + port
                + "/v1/completions (is the server running?) (after 2 retries)"), e.getMessage());
        assertFalse(Files.exists(s.output()));
    }
}
