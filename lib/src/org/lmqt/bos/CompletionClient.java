package org.lmqt.bos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Text completions from an OpenAI-compatible {@code /v1/completions} endpoint (what the original's LangChain
 * {@code VLLMOpenAI} called), with retries: 429, 5xx, timeouts, dropped connections and malformed answers are
 * retried with exponential backoff ({@code Retry-After} honoured); 401/403 and other 4xx fail at once. Thread-safe.
 */
public final class CompletionClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_BACKOFF_MS = 30_000;

    /**
     * Where and how to ask.
     *
     * @param baseUrl     API base, e.g. {@code http://127.0.0.1:8000/v1}
     * @param apiKey      sent as {@code Authorization: Bearer}, when present
     * @param model       the served model name
     * @param temperature sampling temperature (the original: 0.6)
     * @param maxTokens   {@code max_tokens} of every request (LangChain's OpenAI default: 256)
     * @param seed        when present, each request's seed is derived from it and the prompt (order-independent)
     * @param timeout     per-request timeout
     * @param retries     retries after the first attempt
     * @param backoff     delay before the first retry; doubled for every next one (at most 30 s)
     */
    public record Endpoint(URI baseUrl, Optional<String> apiKey, String model, double temperature, int maxTokens,
                           OptionalLong seed, Duration timeout, int retries, Duration backoff) {
        public Endpoint {
            if (baseUrl == null || baseUrl.getScheme() == null || !baseUrl.getScheme().startsWith("http")) {
                throw new IllegalArgumentException("the base URL must be http(s)://host:port/v1, got " + baseUrl);
            }
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("empty model name");
            }
            if (!(temperature >= 0 && temperature <= 2)) {
                throw new IllegalArgumentException("temperature must be in [0, 2], got " + temperature);
            }
            if (maxTokens < 1 || retries < 0 || timeout.isNegative() || timeout.isZero() || backoff.isNegative()) {
                throw new IllegalArgumentException("max tokens >= 1, retries >= 0, timeout > 0 and backoff >= 0");
            }
        }
    }

    /** A failure that retrying does not cure (or that outlasted the retries); its message is one line. */
    public static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    private final Endpoint endpoint;
    private final HttpClient http;
    private final URI completions;

    public CompletionClient(Endpoint endpoint) {
        this.endpoint = endpoint;
        this.http = HttpClient.newBuilder().connectTimeout(endpoint.timeout()).build();
        String base = endpoint.baseUrl().toString().replaceAll("/+$", "");
        this.completions = URI.create(base + "/completions");
    }

    /** The completion text of {@code prompt}. */
    public String complete(String prompt) throws InterruptedException {
        String body = requestBody(prompt);
        String lastProblem = "";
        for (int attempt = 0; attempt <= endpoint.retries(); attempt++) {
            long waitMs = 0;
            try {
                HttpResponse<String> r = http.send(request(body), HttpResponse.BodyHandlers.ofString());
                int status = r.statusCode();
                if (status == 200) {
                    Optional<String> text = text(r.body());
                    if (text.isPresent()) {
                        return text.get();
                    }
                    lastProblem = "malformed answer from " + completions + " (no choices[0].text in: "
                            + abbreviate(r.body()) + ")";
                } else if (status == 429 || status >= 500) {
                    lastProblem = "HTTP " + status + " from " + completions + serverMessage(r.body());
                    waitMs = retryAfterMs(r);
                } else if (status == 401 || status == 403) {
                    throw new Failure("HTTP " + status + " from " + completions + serverMessage(r.body())
                            + " (check --api-key)");
                } else {
                    throw new Failure("HTTP " + status + " from " + completions + serverMessage(r.body()));
                }
            } catch (HttpTimeoutException e) {
                lastProblem = "no answer from " + completions + " within " + endpoint.timeout().toSeconds() + " s";
            } catch (ConnectException e) {
                lastProblem = "cannot connect to " + completions + " (is the server running?)";
            } catch (IOException e) {
                lastProblem = "the connection to " + completions + " failed: "
                        + Optional.ofNullable(e.getMessage()).orElse(e.getClass().getSimpleName());
            }
            if (attempt < endpoint.retries()) {
                long backoff = Math.min(MAX_BACKOFF_MS, endpoint.backoff().toMillis() << Math.min(attempt, 20));
                Thread.sleep(Math.max(backoff, Math.min(waitMs, MAX_BACKOFF_MS)));
            }
        }
        throw new Failure(lastProblem + (endpoint.retries() > 0 ? " (after " + endpoint.retries() + " retries)" : ""));
    }

    private String requestBody(String prompt) {
        ObjectNode b = JSON.createObjectNode().put("model", endpoint.model()).put("prompt", prompt)
                .put("temperature", endpoint.temperature()).put("max_tokens", endpoint.maxTokens());
        endpoint.seed().ifPresent(s -> b.put("seed", s ^ (prompt.hashCode() * 0x9E3779B97F4A7C15L)));
        return b.toString();
    }

    private HttpRequest request(String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(completions).timeout(endpoint.timeout())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        endpoint.apiKey().ifPresent(k -> b.header("Authorization", "Bearer " + k));
        return b.build();
    }

    private static Optional<String> text(String body) {
        try {
            JsonNode t = JSON.readTree(body).path("choices").path(0).path("text");
            return t.isTextual() ? Optional.of(t.asText()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** ": <error.message>" of an OpenAI-style error body, or "". */
    private static String serverMessage(String body) {
        try {
            JsonNode m = JSON.readTree(body).path("error").path("message");
            return m.isTextual() ? ": " + m.asText().replace('\n', ' ') : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static long retryAfterMs(HttpResponse<String> r) {
        try {
            return r.headers().firstValue("Retry-After").map(v -> Long.parseLong(v.strip()) * 1000).orElse(0L);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String abbreviate(String s) {
        String one = s.replace('\n', ' ').replace('\r', ' ');
        return one.length() <= 80 ? one : one.substring(0, 80) + "...";
    }
}
