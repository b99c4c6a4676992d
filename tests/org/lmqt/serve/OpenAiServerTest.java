package org.lmqt.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.model.Generator;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.Sampling;
import org.lmqt.model.TextTokenizer;

/** The server through the official OpenAI Java client, and its error paths through raw HTTP. */
class OpenAiServerTest {
    private static final String PROMPT = "Call me Ishmael. Some years ago";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static LoadedModel model;
    static OpenAiServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        model = TinyServedModel.load(tmp.resolve("tiny"));
        server = OpenAiServer.start(model.model(), model.requireTokenizer(), ChatTemplate.of(model.dir()),
                ServeSettings.loopback("tiny"));
        client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl().toString()).apiKey("unused").maxRetries(0)
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        model.close();
    }

    /** What {@link Generator} gives for {@code prompt} directly, decoded, with the EOS stop of the server. */
    private static long[] direct(long[] prompt, int maxNew, Sampling sampling) {
        return new Generator(model.model()).generate(prompt, maxNew, sampling, org.lmqt.model.StopTokens.eos(model.model()),
                id -> { });
    }

    private static TextTokenizer tok() {
        return model.requireTokenizer();
    }

    @Test
    void listsTheServedModel() {
        assertEquals(List.of("tiny"), client.models().list().data().stream().map(m -> m.id()).toList());
    }

    @Test
    void greedyCompletionEqualsTheGeneratorAndCountsTokensAsTheTokenizer() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model("tiny").prompt(PROMPT)
                .maxTokens(12).temperature(0.0).build());
        long[] prompt = tok().encode(PROMPT);
        long[] out = direct(prompt, 12, Sampling.GREEDY);
        assertEquals(tok().decode(out), c.choices().get(0).text());
        assertEquals(prompt.length, c.usage().orElseThrow().promptTokens());
        assertEquals(out.length, c.usage().orElseThrow().completionTokens());
        assertEquals(prompt.length + out.length, c.usage().orElseThrow().totalTokens());
        assertEquals(out.length == 12 ? "length" : "stop", c.choices().get(0).finishReason().asString());
    }

    @Test
    void chatRendersThePlainTemplateAndStreamsTheSameGreedyAnswer() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("tiny")
                .addSystemMessage("You are terse.").addUserMessage("Name a branch of science.")
                .maxCompletionTokens(16).temperature(0.0).build();
        ChatCompletion cc = client.chat().completions().create(params);
        String rendered = ChatTemplate.of(model.dir()).render(List.of(new ChatTemplate.Message("system",
                "You are terse."), new ChatTemplate.Message("user", "Name a branch of science.")), true);
        assertEquals("system: You are terse.\nuser: Name a branch of science.\nassistant:", rendered);
        long[] prompt = tok().encode(rendered);
        long[] out = direct(prompt, 16, Sampling.GREEDY);
        String answer = cc.choices().get(0).message().content().orElseThrow();
        assertEquals(tok().decode(out), answer);
        assertEquals(prompt.length, cc.usage().orElseThrow().promptTokens());
        assertEquals(out.length, cc.usage().orElseThrow().completionTokens());

        StringBuilder streamed = new StringBuilder();
        String[] finish = {null};
        int[] chunks = {0};
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params)) {
            s.stream().forEach(chunk -> {
                chunks[0]++;
                for (ChatCompletionChunk.Choice ch : chunk.choices()) {
                    ch.delta().content().ifPresent(streamed::append);
                    ch.finishReason().ifPresent(f -> finish[0] = f.asString());
                }
            });
        }
        assertEquals(answer, streamed.toString());
        assertEquals(cc.choices().get(0).finishReason().asString(), finish[0]);
        assertTrue(chunks[0] >= 3, "a role chunk, text chunks and a finish chunk: " + chunks[0]);
    }

    @Test
    void aSeedReproducesASampledAnswerAndTopPIsHonoured() {
        CompletionCreateParams.Builder b = CompletionCreateParams.builder().model("tiny").prompt(PROMPT).maxTokens(10)
                .temperature(1.0);
        String first = client.completions().create(b.seed(42).build()).choices().get(0).text();
        assertEquals(first, client.completions().create(b.seed(42).build()).choices().get(0).text());
        long[] prompt = tok().encode(PROMPT);
        assertEquals(tok().decode(direct(prompt, 10, new Sampling(1.0, 42))), first);
        assertNotEquals(first, client.completions().create(b.seed(43).build()).choices().get(0).text());
        String nucleus = client.completions().create(b.seed(42).topP(0.3).build()).choices().get(0).text();
        assertEquals(tok().decode(direct(prompt, 10, new Sampling(1.0, 42, 0.3))), nucleus);
    }

    @Test
    void aStopStringCutsTheText() {
        long[] out = direct(tok().encode(PROMPT), 24, Sampling.GREEDY);
        String full = tok().decode(out);
        String stop = full.substring(6, 8);
        Completion c = client.completions().create(CompletionCreateParams.builder().model("tiny").prompt(PROMPT)
                .maxTokens(24).temperature(0.0).stop(stop).build());
        assertEquals(full.substring(0, full.indexOf(stop)), c.choices().get(0).text());
        assertEquals("stop", c.choices().get(0).finishReason().asString());
        // streamed, the text held back while it could begin the stop string never leaks out
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<Completion> s = client.completions().createStreaming(CompletionCreateParams.builder()
                .model("tiny").prompt(PROMPT).maxTokens(24).temperature(0.0).stop(stop).build())) {
            s.stream().forEach(chunk -> chunk.choices().forEach(ch -> streamed.append(ch.text())));
        }
        assertEquals(c.choices().get(0).text(), streamed.toString());
    }

    @Test
    void anApiKeyIsRequiredWhenSet() {
        try (OpenAiServer keyed = OpenAiServer.start(model.model(), tok(), ChatTemplate.of(model.dir()),
                ServeSettings.loopback("tiny").withApiKey("token-abc123"))) {
            OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl(keyed.baseUrl().toString()).apiKey("nope")
                    .maxRetries(0).build();
            OpenAIClient right = OpenAIOkHttpClient.builder().baseUrl(keyed.baseUrl().toString())
                    .apiKey("token-abc123").maxRetries(0).build();
            try {
                UnauthorizedException e = assertThrows(UnauthorizedException.class, () -> wrong.models().list());
                assertEquals(401, e.statusCode());
                assertEquals(List.of("tiny"), right.models().list().data().stream().map(m -> m.id()).toList());
            } finally {
                wrong.close();
                right.close();
            }
        }
    }

    @Test
    void aPortInUseIsAOneLineError() {
        ServeSettings taken = new ServeSettings("127.0.0.1", server.port(), java.util.Optional.empty(), "tiny", 1,
                java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1));
        org.lmqt.cli.UserException e = assertThrows(org.lmqt.cli.UserException.class, () -> OpenAiServer.start(
                model.model(), tok(), ChatTemplate.of(model.dir()), taken));
        assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + server.port()), e.getMessage());
    }

    // ---- raw HTTP: the error paths ----

    private static HttpResponse<String> post(URI base, String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode err = JSON.readTree(r.body()).path("error");
        for (String field : List.of("message", "type", "param", "code")) {
            assertTrue(err.has(field), "error body lacks '" + field + "': " + r.body());
        }
        return err;
    }

    @Test
    void badRequestsGetOpenAiStyleErrors() throws Exception {
        URI base = server.baseUrl();
        assertTrue(error(post(base, "/completions", "{\"model\": \"tiny\", \"prompt\": "), 400).path("message")
                .asText().startsWith("malformed JSON"));
        assertEquals("model_not_found", error(post(base, "/completions",
                "{\"model\": \"gpt-4\", \"prompt\": \"hi\"}"), 400).path("code").asText());
        String longPrompt = "x".repeat(TinyServedModel.POSITIONS + 10);
        JsonNode tooLong = error(post(base, "/completions", "{\"model\": \"tiny\", \"prompt\": \"" + longPrompt
                + "\"}"), 400);
        assertEquals("context_length_exceeded", tooLong.path("code").asText());
        assertEquals("prompt", tooLong.path("param").asText());
        assertEquals("context_length_exceeded", error(post(base, "/completions",
                "{\"model\": \"tiny\", \"prompt\": \"hi\", \"max_tokens\": " + TinyServedModel.POSITIONS + "}"), 400)
                .path("code").asText());
        assertEquals("n", error(post(base, "/chat/completions",
                "{\"model\": \"tiny\", \"n\": 2, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"), 400)
                .path("param").asText());
        assertEquals("temperature", error(post(base, "/completions",
                "{\"model\": \"tiny\", \"prompt\": \"hi\", \"temperature\": -1}"), 400).path("param").asText());
        assertEquals("messages", error(post(base, "/chat/completions", "{\"model\": \"tiny\", \"messages\": []}"),
                400).path("param").asText());
        error(post(base, "/embeddings", "{}"), 404);
        HttpResponse<String> get = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base
                + "/completions")).GET().build(), HttpResponse.BodyHandlers.ofString());
        error(get, 405);
        assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void aFullQueueAnswers503WithRetryAfterAndShutdownLetsInFlightFinish() throws Exception {
        // 2,000-token generations of a model with 2,048 positions: seconds each on any machine, so the running and
        // the waiting request are still there when the third one comes
        LoadedModel wide = TinyServedModel.load(tmp.resolve("tiny-2048-queue"), 2048);
        OpenAiServer small = OpenAiServer.start(wide.model(), wide.requireTokenizer(), ChatTemplate.of(wide.dir()),
                ServeSettings.loopback("tiny").withWaitingSlots(1));
        String longRun = "{\"model\": \"tiny\", \"prompt\": \"x\", \"temperature\": 0, \"max_tokens\": 2000}";
        CompletableFuture<HttpResponse<String>> running;
        CompletableFuture<HttpResponse<String>> waiting;
        try {
            running = CompletableFuture.supplyAsync(() -> postQuietly(small.baseUrl(), longRun));
            awaitLoad(small, 0);
            waiting = CompletableFuture.supplyAsync(() -> postQuietly(small.baseUrl(), longRun));
            awaitLoad(small, 1);
            HttpResponse<String> rejected = post(small.baseUrl(), "/completions", longRun);
            assertEquals("server_busy", error(rejected, 503).path("code").asText());
            assertEquals("1", rejected.headers().firstValue("Retry-After").orElse(""));
        } finally {
            small.close(); // graceful: the running and the waiting request still finish
        }
        try (wide) {
            for (CompletableFuture<HttpResponse<String>> f : List.of(running, waiting)) {
                HttpResponse<String> r = f.get();
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(2000, JSON.readTree(r.body()).path("usage").path("completion_tokens").asInt());
            }
        }
    }

    @Test
    void timeoutsEndAQueuedRequestAndALongGeneration() throws Exception {
        OpenAiServer strict = OpenAiServer.start(model.model(), tok(), ChatTemplate.of(model.dir()),
                ServeSettings.loopback("tiny").withTimeouts(java.time.Duration.ofMinutes(1),
                        java.time.Duration.ofMillis(1)));
        String body = "{\"model\": \"tiny\", \"prompt\": \"" + PROMPT + "\", \"temperature\": 0, \"max_tokens\": 200}";
        try {
            // the generation timeout: the answer ends early, as 'length'
            HttpResponse<String> cut = post(strict.baseUrl(), "/completions", body);
            assertEquals(200, cut.statusCode(), cut.body());
            JsonNode answer = JSON.readTree(cut.body());
            assertTrue(answer.path("usage").path("completion_tokens").asInt() < 200, cut.body());
            assertEquals("length", answer.path("choices").path(0).path("finish_reason").asText());
            // the request timeout: a request that waited in the queue is not started. The running request is a
            // 2,000-token generation of a model with 2,048 positions (seconds on any machine), far longer than the
            // 50 ms a queued request may wait, which in turn is far longer than a free model thread takes to start
            ServeSettings impatient = ServeSettings.loopback("tiny").withWaitingSlots(1)
                    .withTimeouts(java.time.Duration.ofMillis(50), java.time.Duration.ofMinutes(1));
            String longest = "{\"model\": \"tiny\", \"prompt\": \"x\", \"temperature\": 0, \"max_tokens\": 2000}";
            try (LoadedModel wide = TinyServedModel.load(tmp.resolve("tiny-2048"), 2048);
                 OpenAiServer queued = OpenAiServer.start(wide.model(), wide.requireTokenizer(),
                         ChatTemplate.of(wide.dir()), impatient)) {
                // the scenario needs the first request still generating when the second arrives; a run in which
                // the machine let it finish first proves nothing and is tried again (at most three times)
                HttpResponse<String> late = null;
                for (int attempt = 0; attempt < 3; attempt++) {
                    CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() ->
                            postQuietly(queued.baseUrl(), longest));
                    awaitLoad(queued, 0);
                    late = post(queued.baseUrl(), "/completions", body);
                    boolean firstWasAhead = late.statusCode() == 503 || !first.isDone();
                    assertEquals(200, first.get().statusCode(), first.get().body());
                    if (firstWasAhead) {
                        break;
                    }
                }
                assertEquals("queue_timeout", error(late, 503).path("code").asText());
            }
        } finally {
            strict.close();
        }
    }

    private static HttpResponse<String> postQuietly(URI base, String body) {
        try {
            return post(base, "/completions", body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the model thread runs a request and {@code waiting} more wait for it. */
    private static void awaitLoad(OpenAiServer s, int waiting) throws InterruptedException {
        for (int i = 0; i < 2000 && !(s.running() == 1 && s.waiting() == waiting); i++) {
            Thread.sleep(5);
        }
        assertEquals(1, s.running(), "a request is generating");
        assertEquals(waiting, s.waiting(), "requests waiting");
    }
}
