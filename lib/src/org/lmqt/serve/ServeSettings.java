package org.lmqt.serve;

import java.time.Duration;
import java.util.Optional;

/**
 * How the server listens and queues.
 *
 * @param host              address to bind (127.0.0.1: this machine only)
 * @param port              port, 0 = a free one
 * @param apiKey            when present, every request needs {@code Authorization: Bearer <key>}
 * @param modelName         the name the model is served under ({@code /v1/models}, the requests' {@code model})
 * @param waitingSlots      requests that may wait for the model while it runs one; more get 503
 * @param requestTimeout    longest a request waits in the queue before its generation starts (then 503)
 * @param generationTimeout longest one generation runs (then it ends with {@code finish_reason: length})
 * @param shutdownGrace     on shutdown, how long in-flight requests may take to finish
 */
public record ServeSettings(String host, int port, Optional<String> apiKey, String modelName, int waitingSlots,
                            Duration requestTimeout, Duration generationTimeout, Duration shutdownGrace) {
    public ServeSettings {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        if (apiKey.isPresent() && apiKey.get().isEmpty()) {
            throw new IllegalArgumentException("empty API key");
        }
        if (modelName == null || modelName.isBlank()) {
            throw new IllegalArgumentException("empty served model name");
        }
        if (waitingSlots < 0) {
            throw new IllegalArgumentException("waiting slots must be >= 0, got " + waitingSlots);
        }
        for (Duration d : new Duration[] {requestTimeout, generationTimeout, shutdownGrace}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive, got " + d);
            }
        }
    }

    /** Loopback, a free port, no key, 8 waiting slots, 10 min in the queue, 5 min per generation, 30 s grace. */
    public static ServeSettings loopback(String modelName) {
        return new ServeSettings("127.0.0.1", 0, Optional.empty(), modelName, 8, Duration.ofMinutes(10),
                Duration.ofMinutes(5), Duration.ofSeconds(30));
    }

    public ServeSettings withApiKey(String key) {
        return new ServeSettings(host, port, Optional.of(key), modelName, waitingSlots, requestTimeout,
                generationTimeout, shutdownGrace);
    }

    public ServeSettings withWaitingSlots(int slots) {
        return new ServeSettings(host, port, apiKey, modelName, slots, requestTimeout, generationTimeout,
                shutdownGrace);
    }

    public ServeSettings withTimeouts(Duration request, Duration generation) {
        return new ServeSettings(host, port, apiKey, modelName, waitingSlots, request, generation, shutdownGrace);
    }
}
