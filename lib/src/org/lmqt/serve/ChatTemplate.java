package org.lmqt.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.FatalTemplateErrorsException;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lmqt.cli.UserException;

/**
 * Renders chat messages into a prompt with the model's Jinja {@code chat_template} (from
 * {@code tokenizer_config.json}), as Hugging Face's {@code apply_chat_template} does: variables {@code messages}
 * (list of {@code {role, content}}), {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, the
 * function {@code raise_exception(msg)}, blocks trimmed and left-stripped. Without a template, {@link #PLAIN}.
 *
 * @param template        the Jinja source
 * @param bosToken        text of the BOS token ("" when unknown)
 * @param eosToken        text of the EOS token ("" when unknown)
 * @param fromModel       true when the template is the model's own (then its text already holds the special
 *                        tokens and is tokenized without adding them); false for {@link #PLAIN}
 */
public record ChatTemplate(String template, String bosToken, String eosToken, boolean fromModel) {
    /**
     * lmqt's plain template for models without one: one {@code role: content} line per message, then
     * {@code assistant:} when a generation prompt is asked for. It adds no special tokens; the tokenizer adds
     * them as for a plain completion (Llama: one BOS).
     */
    public static final String PLAIN = "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n"
            + "{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Jinjava JINJA = jinjava();

    public ChatTemplate {
        if (template == null || template.isBlank()) {
            throw new IllegalArgumentException("empty chat template");
        }
        bosToken = bosToken == null ? "" : bosToken;
        eosToken = eosToken == null ? "" : eosToken;
    }

    /** One chat message. */
    public record Message(String role, String content) {
        public Message {
            if (role == null || content == null) {
                throw new IllegalArgumentException("a message needs a role and a content");
            }
        }
    }

    /** The chat template of a model folder: {@code tokenizer_config.json}'s {@code chat_template}, else {@link #PLAIN}. */
    public static ChatTemplate of(Path modelDir) {
        Path file = modelDir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) {
            return new ChatTemplate(PLAIN, "", "", false);
        }
        JsonNode cfg;
        try {
            cfg = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UserException(file + ": invalid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        String bos = tokenText(cfg.path("bos_token"));
        String eos = tokenText(cfg.path("eos_token"));
        JsonNode t = cfg.path("chat_template");
        if (t.isArray()) {
            // a list of named templates: take "default"
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText())) {
                    return new ChatTemplate(named.path("template").asText(), bos, eos, true);
                }
            }
            t = t.path(0).path("template");
        }
        return t.isTextual() && !t.asText().isBlank() ? new ChatTemplate(t.asText(), bos, eos, true)
                : new ChatTemplate(PLAIN, bos, eos, false);
    }

    /** A special token in tokenizer_config.json: a string or an {@code AddedToken} object with {@code content}. */
    private static String tokenText(JsonNode token) {
        return token.isTextual() ? token.asText() : token.path("content").asText("");
    }

    /** The prompt for {@code messages}; a template error (or {@code raise_exception}) is a 400 naming it. */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> msgs = messages.stream()
                .<Map<String, Object>>map(m -> Map.of("role", m.role(), "content", m.content())).toList();
        Map<String, Object> vars = new HashMap<>();
        vars.put("messages", msgs);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        RenderResult result;
        try {
            result = JINJA.renderForResult(template, vars);
        } catch (FatalTemplateErrorsException e) {
            throw ApiException.badRequest("messages", "chat template: " + e.getMessage());
        } catch (TemplateRaised e) {
            throw ApiException.badRequest("messages", e.getMessage());
        }
        for (TemplateError err : result.getErrors()) {
            if (err.getSeverity() == TemplateError.ErrorType.FATAL) {
                Throwable cause = err.getException();
                while (cause != null && !(cause instanceof TemplateRaised)) {
                    cause = cause.getCause();
                }
                throw ApiException.badRequest("messages", cause != null ? cause.getMessage()
                        : "chat template: " + err.getMessage());
            }
        }
        return result.getOutput();
    }

    /** The exception behind the templates' {@code raise_exception}. */
    static final class TemplateRaised extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaised(String message) {
            super(message);
        }
    }

    /** {@code raise_exception(message)} of Hugging Face's template environment. */
    public static String raiseException(Object message) {
        throw new TemplateRaised(String.valueOf(message));
    }

    private static Jinjava jinjava() {
        // Jinja2 semantics where Jinjava's defaults differ: {{- -}} trims around expressions, whitespace control
        // parsed as Jinja2 does, Python's operator precedence
        LegacyOverrides jinja2 = LegacyOverrides.newBuilder().withUseTrimmingForNotesAndExpressions(true)
                .withParseWhitespaceControlStrictly(true).withUseNaturalOperatorPrecedence(true)
                .withKeepNullableLoopValues(true).build();
        Jinjava j = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                .withLegacyOverrides(jinja2).build());
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
                "raiseException", Object.class));
        return j;
    }
}
