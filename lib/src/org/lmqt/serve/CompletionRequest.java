package org.lmqt.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A parsed {@code /v1/completions} or {@code /v1/chat/completions} request body. Unknown fields are ignored, as
 * OpenAI-compatible servers do; every known field is checked, and a bad one is a 400 naming it.
 *
 * @param chat         true for a chat request ({@code messages}), false for a text completion ({@code prompt})
 * @param model        the model name asked for
 * @param prompt       the prompt text (text completions), or empty
 * @param promptIds    the prompt as token ids (text completions given as a list of integers), or empty
 * @param messages     the chat messages (chat requests), else empty
 * @param maxTokens    {@code max_tokens} (or chat's {@code max_completion_tokens}), empty = up to the context
 * @param temperature  0 = greedy; OpenAI's default 1
 * @param topP         nucleus mass, default 1
 * @param seed         sampling seed, empty = a random one
 * @param stop         stop strings (cut from the text)
 * @param stream       answer as server-sent events
 * @param includeUsage {@code stream_options.include_usage}: a last chunk with the usage
 */
public record CompletionRequest(boolean chat, String model, Optional<String> prompt, Optional<long[]> promptIds,
                                List<ChatTemplate.Message> messages, OptionalInt maxTokens, double temperature,
                                double topP, OptionalLong seed, List<String> stop, boolean stream,
                                boolean includeUsage) {
    public CompletionRequest {
        messages = List.copyOf(messages);
        stop = List.copyOf(stop);
        if (chat ? messages.isEmpty() : prompt.isEmpty() && promptIds.isEmpty()) {
            throw new IllegalArgumentException(chat ? "a chat request needs messages" : "a completion needs a prompt");
        }
    }

    /** Parses a request body ({@code chat}: of {@code /v1/chat/completions}). */
    public static CompletionRequest parse(JsonNode body, boolean chat) {
        if (!body.isObject()) {
            throw ApiException.badRequest(null, "the request body must be a JSON object");
        }
        String model = text(body, "model").orElseThrow(() -> ApiException.badRequest("model", "'model' is required"));
        Optional<String> prompt = Optional.empty();
        Optional<long[]> ids = Optional.empty();
        List<ChatTemplate.Message> messages = List.of();
        if (chat) {
            messages = messages(body.path("messages"));
        } else {
            JsonNode p = body.path("prompt");
            if (p.isTextual()) {
                prompt = Optional.of(p.asText());
            } else if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
                prompt = Optional.of(p.get(0).asText());
            } else if (p.isArray() && !p.isEmpty() && allIntegers(p)) {
                long[] a = new long[p.size()]; // [T]
                for (int i = 0; i < a.length; i++) {
                    a[i] = p.get(i).asLong();
                }
                ids = Optional.of(a);
            } else {
                throw ApiException.badRequest("prompt", "'prompt' must be a string, a list of one string, or a "
                        + "non-empty list of token ids (one prompt per request)");
            }
        }
        JsonNode n = body.path("n");
        if (!n.isMissingNode() && !n.isNull() && !(n.isIntegralNumber() && n.asLong() == 1)) {
            throw ApiException.badRequest("n", "only n = 1 is supported, got " + n);
        }
        OptionalInt maxTokens = positiveInt(body, chat && body.has("max_completion_tokens")
                ? "max_completion_tokens" : "max_tokens");
        double temperature = number(body, "temperature", 1.0);
        if (!(temperature >= 0 && temperature <= 2)) {
            throw ApiException.badRequest("temperature", "'temperature' must be in [0, 2], got " + temperature);
        }
        double topP = number(body, "top_p", 1.0);
        if (!(topP > 0 && topP <= 1)) {
            throw ApiException.badRequest("top_p", "'top_p' must be in (0, 1], got " + topP);
        }
        OptionalLong seed = OptionalLong.empty();
        JsonNode s = body.path("seed");
        if (!s.isMissingNode() && !s.isNull()) {
            if (!s.isIntegralNumber() || !s.canConvertToLong()) {
                throw ApiException.badRequest("seed", "'seed' must be an integer, got " + s);
            }
            seed = OptionalLong.of(s.asLong());
        }
        boolean stream = bool(body, "stream");
        boolean includeUsage = stream && bool(body.path("stream_options"), "include_usage");
        return new CompletionRequest(chat, model, prompt, ids, messages, maxTokens, temperature, topP, seed,
                stops(body.path("stop")), stream, includeUsage);
    }

    private static List<ChatTemplate.Message> messages(JsonNode m) {
        if (!m.isArray() || m.isEmpty()) {
            throw ApiException.badRequest("messages", "'messages' must be a non-empty list");
        }
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (JsonNode msg : m) {
            String role = text(msg, "role").orElseThrow(() -> ApiException.badRequest("messages",
                    "every message needs a string 'role'"));
            out.add(new ChatTemplate.Message(role, content(msg.path("content"))));
        }
        return out;
    }

    /** A message's content: a string, or a list of {@code {"type": "text", "text": ...}} parts joined. */
    private static String content(JsonNode c) {
        if (c.isTextual()) {
            return c.asText();
        }
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiException.badRequest("messages", "only text content parts are supported");
                }
                sb.append(part.path("text").asText());
            }
            return sb.toString();
        }
        throw ApiException.badRequest("messages", "a message's 'content' must be a string or a list of text parts");
    }

    private static List<String> stops(JsonNode s) {
        if (s.isMissingNode() || s.isNull()) {
            return List.of();
        }
        if (s.isTextual()) {
            return s.asText().isEmpty() ? List.of() : List.of(s.asText());
        }
        if (s.isArray()) {
            List<String> out = new ArrayList<>();
            for (JsonNode e : s) {
                if (!e.isTextual()) {
                    throw ApiException.badRequest("stop", "'stop' must be a string or a list of strings");
                }
                if (!e.asText().isEmpty()) {
                    out.add(e.asText());
                }
            }
            return out;
        }
        throw ApiException.badRequest("stop", "'stop' must be a string or a list of strings");
    }

    private static boolean allIntegers(JsonNode a) {
        for (JsonNode e : a) {
            if (!e.isIntegralNumber() || e.asLong() < 0) {
                return false;
            }
        }
        return true;
    }

    private static Optional<String> text(JsonNode o, String field) {
        JsonNode v = o.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest(field, "'" + field + "' must be a string");
        }
        return Optional.of(v.asText());
    }

    private static OptionalInt positiveInt(JsonNode o, String field) {
        JsonNode v = o.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return OptionalInt.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
            throw ApiException.badRequest(field, "'" + field + "' must be a positive integer, got " + v);
        }
        return OptionalInt.of(v.asInt());
    }

    private static double number(JsonNode o, String field, double dflt) {
        JsonNode v = o.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw ApiException.badRequest(field, "'" + field + "' must be a number, got " + v);
        }
        return v.asDouble();
    }

    private static boolean bool(JsonNode o, String field) {
        JsonNode v = o.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.badRequest(field, "'" + field + "' must be true or false");
        }
        return v.asBoolean();
    }
}
