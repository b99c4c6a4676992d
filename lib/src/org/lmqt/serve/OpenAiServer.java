package org.lmqt.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.TextTokenizer;

/**
 * An OpenAI-compatible HTTP server on one lmqt model: {@code GET /v1/models}, {@code POST /v1/completions} and
 * {@code POST /v1/chat/completions} (plain JSON, or server-sent events with {@code stream: true}). One model thread
 * runs the generations one after another (DJL model calls are serialized); at most
 * {@link ServeSettings#waitingSlots} requests wait for it, more are answered 503 with {@code Retry-After}.
 * {@link #close} stops accepting, lets the requests in flight finish within the grace period, then stops.
 */
public final class OpenAiServer implements AutoCloseable {
    /** {@code max_tokens} of a text completion that gives none (OpenAI's default). */
    public static final int DEFAULT_COMPLETION_TOKENS = 16;
    /** Header a client may send to tag a request; it is echoed on the answer. */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    private static final int MAX_BODY_BYTES = 4 << 20;
    /** Connections handled beyond the queue, so that a full queue is answered 503 quickly. */
    private static final int SPARE_EXCHANGES = 64;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServeSettings settings;
    private final TextTokenizer tokenizer;
    private final ChatTemplate template;
    private final int maxPositions;
    private final int vocab;
    private final TextGeneration generation;
    private final HttpServer http;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final ThreadPoolExecutor modelThread;
    private final Semaphore openExchanges;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicLong ids = new AtomicLong();
    private final long created = System.currentTimeMillis() / 1000;

    private OpenAiServer(LlamaModel model, TextTokenizer tokenizer, ChatTemplate template, ServeSettings settings)
            throws IOException {
        this.settings = settings;
        this.http = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 128); // first: may fail
        this.tokenizer = tokenizer;
        this.template = template;
        this.maxPositions = model.config().maxPositions();
        this.vocab = model.vocabSize();
        this.generation = new TextGeneration(model, tokenizer);
        this.modelThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
                settings.waitingSlots() == 0 ? new SynchronousQueue<>()
                        : new ArrayBlockingQueue<>(settings.waitingSlots()), r -> {
                    Thread t = new Thread(r, "lmqt-serve-model");
                    t.setDaemon(true);
                    return t;
                });
        modelThread.prestartCoreThread(); // a request is handed over at once, not after a thread start
        // connections being handled: the waiting slots, the one running, and some room to answer 503 quickly
        this.openExchanges = new Semaphore(settings.waitingSlots() + 1 + SPARE_EXCHANGES);
        http.createContext("/", this::handle);
        http.setExecutor(handlers);
    }

    /** Starts serving {@code model} with its tokenizer and chat template. */
    public static OpenAiServer start(LlamaModel model, TextTokenizer tokenizer, ChatTemplate template,
                                     ServeSettings settings) {
        try {
            OpenAiServer s = new OpenAiServer(model, tokenizer, template, settings);
            s.http.start();
            return s;
        } catch (IOException e) {
            throw new org.lmqt.cli.UserException("cannot listen on " + settings.host() + ":" + settings.port()
                    + " (" + e.getMessage() + ")", e);
        }
    }

    /** The port listened on. */
    public int port() {
        return http.getAddress().getPort();
    }

    /** The API base URL, {@code http://host:port/v1}. */
    public URI baseUrl() {
        String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
        return URI.create("http://" + host + ":" + port() + "/v1");
    }

    // ---- routing ----

    private void handle(HttpExchange ex) {
        try (ex) {
            String requestId = ex.getRequestHeaders().getFirst(REQUEST_ID_HEADER);
            if (requestId != null) {
                ex.getResponseHeaders().set(REQUEST_ID_HEADER, requestId);
            }
            if (!openExchanges.tryAcquire()) {
                sendError(ex, busy("too many open requests"));
                return;
            }
            try {
                route(ex);
            } catch (ApiException e) {
                sendError(ex, e);
            } catch (RuntimeException e) {
                sendError(ex, new ApiException(500, "server_error", null, null, "internal error: "
                        + org.lmqt.cli.Cli.oneLine(e), Map.of()));
            } finally {
                openExchanges.release();
            }
        } catch (IOException e) {
            // the client went away; nothing to answer
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (path.equals("/health")) {
            requireMethod(method, "GET");
            sendJson(ex, 200, JSON.createObjectNode().put("status", "ok"));
            return;
        }
        boolean models = path.equals("/v1/models");
        boolean text = path.equals("/v1/completions");
        boolean chat = path.equals("/v1/chat/completions");
        if (!models && !text && !chat) {
            throw new ApiException(404, "invalid_request_error", null, "unknown_url",
                    "unknown path " + method + " " + path, Map.of());
        }
        requireMethod(method, models ? "GET" : "POST");
        authorize(ex);
        if (closing.get()) {
            throw busy("the server is shutting down");
        }
        if (models) {
            sendJson(ex, 200, modelList());
        } else {
            complete(ex, CompletionRequest.parse(readJson(ex), chat));
        }
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new ApiException(405, "invalid_request_error", null, "method_not_allowed",
                    method + " is not allowed here; use " + allowed, Map.of("Allow", allowed));
        }
    }

    private void authorize(HttpExchange ex) {
        if (settings.apiKey().isEmpty()) {
            return;
        }
        String got = Optional.ofNullable(ex.getRequestHeaders().getFirst("Authorization")).orElse("");
        byte[] want = ("Bearer " + settings.apiKey().get()).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(want, got.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                    got.isEmpty() ? "missing API key: send 'Authorization: Bearer <key>'" : "incorrect API key",
                    Map.of("WWW-Authenticate", "Bearer"));
        }
    }

    private static ApiException busy(String why) {
        return new ApiException(503, "server_error", null, "server_busy", why + "; retry later",
                Map.of("Retry-After", "1"));
    }

    private ObjectNode modelList() {
        ObjectNode root = JSON.createObjectNode().put("object", "list");
        root.putArray("data").addObject().put("id", settings.modelName()).put("object", "model")
                .put("created", created).put("owned_by", "lmqt");
        return root;
    }

    // ---- completions ----

    private void complete(HttpExchange ex, CompletionRequest req) throws IOException {
        if (!req.model().equals(settings.modelName())) {
            throw new ApiException(400, "invalid_request_error", "model", "model_not_found", "the model '"
                    + req.model() + "' does not exist; this server serves '" + settings.modelName() + "'", Map.of());
        }
        long[] prompt = promptIds(req); // [T]
        int room = maxPositions - prompt.length;
        if (room <= 0 || req.maxTokens().isPresent() && req.maxTokens().getAsInt() > room) {
            throw new ApiException(400, "invalid_request_error", req.chat() ? "messages" : "prompt",
                    "context_length_exceeded", "this model's context is " + maxPositions + " tokens; the prompt has "
                    + prompt.length + " tokens" + (req.maxTokens().isPresent() ? " and max_tokens is "
                    + req.maxTokens().getAsInt() : ""), Map.of());
        }
        int maxTokens = req.maxTokens().orElse(req.chat() ? room : Math.min(room, DEFAULT_COMPLETION_TOKENS));
        GenerationJob job = new GenerationJob(generation, prompt, maxTokens, req, settings);
        try {
            modelThread.execute(job);
        } catch (RejectedExecutionException e) {
            throw busy("all " + settings.waitingSlots() + " waiting slots are taken");
        }
        String id = (req.chat() ? "chatcmpl-" : "cmpl-") + Long.toHexString(created) + "-" + ids.incrementAndGet();
        try {
            GenerationJob.Event first = job.next();
            if (first instanceof GenerationJob.Failed f) {
                throw f.error();
            }
            if (req.stream()) {
                stream(ex, req, id, job);
            } else {
                GenerationJob.Event e;
                while (!((e = job.next()) instanceof GenerationJob.Done)) {
                    // deltas: the final answer holds the whole text
                }
                sendJson(ex, 200, answer(req, id, ((GenerationJob.Done) e).result()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "server_error", null, "interrupted", "the server is stopping", Map.of());
        } finally {
            job.cancel();
        }
    }

    private long[] promptIds(CompletionRequest req) {
        if (req.chat()) {
            String text = template.render(req.messages(), true);
            return template.fromModel() ? tokenizer.encodeWithoutSpecials(text) : tokenizer.encode(text);
        }
        if (req.promptIds().isPresent()) {
            long[] ids = req.promptIds().get();
            for (long id : ids) {
                if (id >= vocab) {
                    throw ApiException.badRequest("prompt", "token id " + id + " is outside the vocabulary of "
                            + vocab);
                }
            }
            return ids;
        }
        long[] ids = tokenizer.encode(req.prompt().orElseThrow());
        if (ids.length == 0) {
            throw ApiException.badRequest("prompt", "the prompt has no tokens");
        }
        return ids;
    }

    private ObjectNode answer(CompletionRequest req, String id, TextGeneration.Result r) {
        ObjectNode root = head(req, id, false);
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        if (req.chat()) {
            choice.putObject("message").put("role", "assistant").put("content", r.text()).putNull("refusal");
        } else {
            choice.put("text", r.text());
        }
        choice.putNull("logprobs").put("finish_reason", r.finishReason());
        root.set("usage", usage(r));
        return root;
    }

    private ObjectNode head(CompletionRequest req, String id, boolean chunk) {
        return JSON.createObjectNode().put("id", id)
                .put("object", req.chat() ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion")
                .put("created", System.currentTimeMillis() / 1000).put("model", settings.modelName());
    }

    private static ObjectNode usage(TextGeneration.Result r) {
        return JSON.createObjectNode().put("prompt_tokens", r.promptTokens())
                .put("completion_tokens", r.completionTokens())
                .put("total_tokens", r.promptTokens() + r.completionTokens());
    }

    /** Server-sent events: a chunk per text delta, a last chunk with the finish reason, then {@code [DONE]}. */
    private void stream(HttpExchange ex, CompletionRequest req, String id, GenerationJob job)
            throws IOException, InterruptedException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        try {
            if (req.chat()) {
                event(out, chunk(req, id, d -> d.put("role", "assistant").put("content", ""), null));
            }
            for (GenerationJob.Event e = job.next(); ; e = job.next()) {
                if (e instanceof GenerationJob.Delta d) {
                    event(out, chunk(req, id, o -> o.put(req.chat() ? "content" : "text", d.text()), null));
                } else if (e instanceof GenerationJob.Done done) {
                    event(out, chunk(req, id, o -> { }, done.result().finishReason()));
                    if (req.includeUsage()) {
                        ObjectNode u = head(req, id, true);
                        u.putArray("choices");
                        u.set("usage", usage(done.result()));
                        event(out, u);
                    }
                    break;
                } else if (e instanceof GenerationJob.Failed f) {
                    ObjectNode err = JSON.createObjectNode();
                    err.set("error", errorBody(f.error()));
                    event(out, err);
                    break;
                }
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            job.cancel(); // the client is gone: stop generating for it
            throw e;
        }
    }

    /** A streamed chunk; {@code fill} writes the delta (chat) or the text (completions) into it. */
    private ObjectNode chunk(CompletionRequest req, String id, java.util.function.Consumer<ObjectNode> fill,
                             String finishReason) {
        ObjectNode root = head(req, id, true);
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        if (req.chat()) {
            fill.accept(choice.putObject("delta"));
        } else {
            choice.put("text", "");
            fill.accept(choice);
            choice.putNull("logprobs");
        }
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return root;
    }

    private static void event(OutputStream out, ObjectNode data) throws IOException {
        out.write(("data: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    // ---- I/O ----

    private static JsonNode readJson(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new ApiException(413, "invalid_request_error", null, "request_too_large",
                    "the request body is larger than " + MAX_BODY_BYTES + " bytes", Map.of());
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw ApiException.badRequest(null, "empty request body: expected a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest(null, "malformed JSON in the request body: "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
    }

    private static ObjectNode errorBody(ApiException e) {
        ObjectNode err = JSON.createObjectNode().put("message", e.getMessage()).put("type", e.type());
        if (e.param() == null) {
            err.putNull("param");
        } else {
            err.put("param", e.param());
        }
        if (e.code() == null) {
            err.putNull("code");
        } else {
            err.put("code", e.code());
        }
        return err;
    }

    private static void sendError(HttpExchange ex, ApiException e) throws IOException {
        e.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ObjectNode root = JSON.createObjectNode();
        root.set("error", errorBody(e));
        sendJson(ex, e.status(), root);
    }

    private static void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Requests waiting for the model thread (for tests and monitoring). */
    int waiting() {
        return modelThread.getQueue().size();
    }

    /** Requests generating now: 0 or 1. */
    int running() {
        return modelThread.getActiveCount();
    }

    /**
     * Graceful shutdown: new requests get 503 at once, the requests in flight finish within the grace period, then
     * the listening socket and every connection close and the model thread stops. (The JDK's
     * {@code HttpServer.stop(delay)} waits the whole delay when nothing is in flight, so the server counts its own
     * open requests and stops the listener without delay once they are done.)
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
        int permits = settings.waitingSlots() + 1 + SPARE_EXCHANGES;
        try {
            // every permit back = no request in flight
            long left = deadline - System.nanoTime();
            if (left > 0 && openExchanges.tryAcquire(permits, left, TimeUnit.NANOSECONDS)) {
                openExchanges.release(permits);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.stop(0);
        modelThread.shutdownNow();
        handlers.shutdownNow();
    }
}
