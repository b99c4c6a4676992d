package org.lmqt.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load test of an OpenAI-compatible server: {@code clients} concurrent clients send {@code requests} text
 * completions in all, each tagged with its own {@code X-Request-Id}; the report says how fast they were answered
 * and checks that every request got exactly one answer, its own (echoed id), with an id no other answer has.
 *
 * @param baseUrl   API base, {@code http://host:port/v1}
 * @param model     served model name
 * @param clients   concurrent clients
 * @param requests  requests in all
 * @param maxTokens {@code max_tokens} of each request (greedy, so every answer has the same work)
 * @param prompt    the prompt text
 */
public record LoadTest(URI baseUrl, String model, int clients, int requests, int maxTokens, String prompt) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public LoadTest {
        if (clients < 1 || requests < 1 || maxTokens < 1) {
            throw new IllegalArgumentException("clients, requests and max tokens must be >= 1");
        }
    }

    /**
     * What the load test saw.
     *
     * @param requests        requests sent
     * @param ok              answered 200 with a completion
     * @param failed          answered otherwise (status or I/O error), by reason
     * @param lost            sent but never answered
     * @param duplicated      answers beyond one per request, answers to another request's id, or repeated answer ids
     * @param seconds         wall time
     * @param completionTokens tokens generated in all (from the answers' usage)
     * @param latencyMs       per-request latency of the answered requests, sorted
     */
    public record Report(int requests, int ok, Map<String, Integer> failed, int lost, int duplicated, double seconds,
                         long completionTokens, double[] latencyMs) {
        /** The {@code q}-quantile of the latencies (nearest rank), in ms. */
        public double latency(double q) {
            if (latencyMs.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(q * latencyMs.length);
            return latencyMs[Math.max(0, Math.min(latencyMs.length - 1, rank - 1))];
        }

        /** A few lines for a terminal or a README. */
        public String summary() {
            return String.format("requests %d: ok %d, failed %s, lost %d, answered twice or mismatched %d%n"
                    + "throughput %.2f requests/s, %.1f generated tokens/s over %.2f s%n"
                    + "latency p50 %.0f ms, p95 %.0f ms, p99 %.0f ms", requests, ok, failed, lost, duplicated,
                    ok / seconds, completionTokens / seconds, seconds, latency(0.50), latency(0.95), latency(0.99));
        }
    }

    /** Runs the load test. */
    public Report run() throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        URI url = URI.create(baseUrl.toString().replaceAll("/+$", "") + "/completions");
        String body = JSON.createObjectNode().put("model", model).put("prompt", prompt).put("max_tokens", maxTokens)
                .put("temperature", 0).toString();
        AtomicInteger next = new AtomicInteger();
        Map<String, Integer> answersPerRequest = new ConcurrentHashMap<>();
        Map<String, Integer> answerIds = new ConcurrentHashMap<>();
        Map<String, Integer> failed = new ConcurrentHashMap<>();
        AtomicInteger mismatched = new AtomicInteger();
        AtomicLong tokens = new AtomicLong();
        double[] latency = new double[requests]; // [requests] ms, NaN when not answered 200
        Arrays.fill(latency, Double.NaN);
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        for (int c = 0; c < clients; c++) {
            pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                    String id = "load-" + i;
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(url)
                                .header("Content-Type", "application/json")
                                .header(OpenAiServer.REQUEST_ID_HEADER, id)
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (!id.equals(r.headers().firstValue(OpenAiServer.REQUEST_ID_HEADER).orElse(""))) {
                            mismatched.incrementAndGet();
                        }
                        answersPerRequest.merge(id, 1, Integer::sum);
                        if (r.statusCode() != 200) {
                            failed.merge("HTTP " + r.statusCode(), 1, Integer::sum);
                            continue;
                        }
                        JsonNode answer = JSON.readTree(r.body());
                        answerIds.merge(answer.path("id").asText(), 1, Integer::sum);
                        tokens.addAndGet(answer.path("usage").path("completion_tokens").asLong());
                        latency[i] = (System.nanoTime() - t0) / 1e6;
                    } catch (java.io.IOException e) {
                        failed.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                        answersPerRequest.merge(id, 1, Integer::sum);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.DAYS);
        double seconds = (System.nanoTime() - start) / 1e9;
        // every request answered once, with its own id, and no answer id given twice
        int lost = requests - answersPerRequest.size();
        int duplicated = mismatched.get();
        for (int n : answersPerRequest.values()) {
            duplicated += n - 1;
        }
        for (int n : answerIds.values()) {
            duplicated += n - 1;
        }
        List<Double> answered = new ArrayList<>();
        for (double l : latency) {
            if (!Double.isNaN(l)) {
                answered.add(l);
            }
        }
        double[] sorted = answered.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Report(requests, sorted.length, new HashMap<>(failed), lost, duplicated, seconds, tokens.get(),
                sorted);
    }
}
