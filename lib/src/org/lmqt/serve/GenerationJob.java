package org.lmqt.serve;

import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import org.lmqt.model.Sampling;

/**
 * One request's generation as the model thread runs it, and the events its HTTP handler reads: {@link Started}
 * (or {@link Failed} when it waited too long in the queue), then {@link Delta}s, then {@link Done} or
 * {@link Failed}.
 */
final class GenerationJob implements Runnable {
    /** What the handler reads. */
    sealed interface Event permits Started, Delta, Done, Failed {}

    /** The generation began. */
    record Started() implements Event {}

    /** A piece of final text. */
    record Delta(String text) implements Event {}

    /** The generation ended. */
    record Done(TextGeneration.Result result) implements Event {}

    /** The request failed with this error. */
    record Failed(ApiException error) implements Event {}

    private final TextGeneration generation;
    private final long[] prompt;
    private final int maxTokens;
    private final Sampling sampling;
    private final StopStrings stops;
    private final ServeSettings settings;
    private final long enqueuedNanos = System.nanoTime();
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;

    GenerationJob(TextGeneration generation, long[] prompt, int maxTokens, CompletionRequest req,
                  ServeSettings settings) {
        this.generation = generation;
        this.prompt = prompt;
        this.maxTokens = maxTokens;
        this.sampling = new Sampling(req.temperature(), req.seed().orElseGet(() ->
                ThreadLocalRandom.current().nextLong()), req.topP());
        this.stops = new StopStrings(req.stop());
        this.settings = settings;
    }

    @Override
    public void run() {
        if (cancelled) {
            return;
        }
        // a request that waited longer than the request timeout is not started any more
        if (System.nanoTime() - enqueuedNanos > settings.requestTimeout().toNanos()) {
            events.add(new Failed(new ApiException(503, "server_error", null, "queue_timeout",
                    "the request waited more than " + settings.requestTimeout().toSeconds()
                    + " s for the model; retry later", Map.of("Retry-After", "1"))));
            return;
        }
        events.add(new Started());
        try {
            long deadline = System.nanoTime() + settings.generationTimeout().toNanos();
            TextGeneration.Result r = generation.run(prompt, maxTokens, sampling, stops, deadline,
                    () -> cancelled, text -> events.add(new Delta(text)));
            events.add(new Done(r));
        } catch (RuntimeException e) {
            events.add(new Failed(new ApiException(500, "server_error", null, null, "generation failed: "
                    + org.lmqt.cli.Cli.oneLine(e), Map.of())));
        }
    }

    /** The next event, waiting for it. */
    Event next() throws InterruptedException {
        return events.take();
    }

    /** Stops the generation at its next token (or before it starts): the client is gone or answered. */
    void cancel() {
        cancelled = true;
    }
}
