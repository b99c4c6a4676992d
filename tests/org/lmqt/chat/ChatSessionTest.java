package org.lmqt.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.UserException;
import org.lmqt.model.Generator;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.Sampling;
import org.lmqt.model.StopTokens;
import org.lmqt.serve.ChatTemplate;
import org.lmqt.serve.TinyServedModel;

/** Scripted chats on a tiny model: every answer is Generator's greedy output for the rendered conversation. */
class ChatSessionTest {
    private static final String CHATML = "{%- for message in messages %}"
            + "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
    private static final int MAX_NEW = 12;

    @TempDir
    static Path dir;
    private static LoadedModel model;

    @BeforeAll
    static void load() {
        model = TinyServedModel.load(dir.resolve("tiny"), 512);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static String script(ChatSession session, String turns) {
        StringWriter out = new StringWriter();
        ChatLoop.run(session, new BufferedReader(new StringReader(turns)), new PrintWriter(out), false);
        return out.toString();
    }

    /** Generator's greedy answer for {@code messages} rendered with {@code t} and tokenized as the session does. */
    private static String greedy(ChatTemplate t, List<ChatTemplate.Message> messages) {
        String text = t.render(messages, true);
        var tok = model.requireTokenizer();
        long[] ids = t.fromModel() ? tok.encodeWithoutSpecials(text) : tok.encode(text);
        long[] out = new Generator(model.model()).generate(ids, MAX_NEW, Sampling.GREEDY,
                StopTokens.eos(model.model()), id -> { });
        return tok.decode(out);
    }

    private static ChatTemplate.Message m(String role, String content) {
        return new ChatTemplate.Message(role, content);
    }

    /** The answers of a scripted run, in order. */
    private static List<String> answers(String printed) {
        List<String> out = new ArrayList<>();
        for (String block : printed.split("(?m)^user: ")) {
            int at = block.indexOf("\nassistant: ");
            if (at >= 0) {
                String a = block.substring(at + "\nassistant: ".length());
                out.add(a.substring(0, a.length() - 1).replaceAll("\n\\(conversation reset\\)$", ""));
            }
        }
        return out;
    }

    private void checkConversation(ChatTemplate t, Optional<String> system) {
        ChatSession s = new ChatSession(model.model(), model.requireTokenizer(), t, system, Sampling.GREEDY, MAX_NEW);
        String printed = script(s, "Call me Ishmael.\n\nWhere is the whale?\n/reset\nHello there\n/exit\nnever read\n");
        List<String> a = answers(printed);
        assertEquals(3, a.size(), printed);
        List<ChatTemplate.Message> first = new ArrayList<>();
        system.ifPresent(x -> first.add(m("system", x)));
        first.add(m("user", "Call me Ishmael."));
        assertEquals(greedy(t, first), a.get(0));
        // history kept: the second turn sees the first question and answer
        List<ChatTemplate.Message> second = new ArrayList<>(first);
        second.add(m("assistant", a.get(0)));
        second.add(m("user", "Where is the whale?"));
        assertEquals(greedy(t, second), a.get(1));
        // after /reset only the system message remains
        List<ChatTemplate.Message> third = new ArrayList<>();
        system.ifPresent(x -> third.add(m("system", x)));
        third.add(m("user", "Hello there"));
        assertEquals(greedy(t, third), a.get(2));
        assertTrue(printed.contains("(conversation reset)"));
        assertTrue(!printed.contains("never read"), "/exit ends the script");
        assertEquals(third.size() + 1, s.messages().size());
    }

    @Test
    void plainTemplateAnswersEqualGreedyGeneration() {
        ChatTemplate plain = ChatTemplate.of(model.dir());
        assertTrue(!plain.fromModel(), "the tiny model has no chat template");
        checkConversation(plain, Optional.empty());
    }

    @Test
    void theModelsOwnTemplateIsRenderedWithHistoryAndSystemMessage() throws Exception {
        Path withTemplate = dir.resolve("chatml");
        Files.createDirectories(withTemplate);
        Files.writeString(withTemplate.resolve("tokenizer_config.json"), new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(Map.of("chat_template", CHATML, "eos_token", "</s>")));
        ChatTemplate t = ChatTemplate.of(withTemplate);
        assertTrue(t.fromModel());
        checkConversation(t, Optional.of("You are terse."));
    }

    @Test
    void sampledTurnsAreReproducibleAndDifferFromGreedy() {
        ChatTemplate plain = ChatTemplate.of(model.dir());
        String turns = "Call me Ishmael.\nAnd then?\n";
        String a = script(new ChatSession(model.model(), model.requireTokenizer(), plain, Optional.empty(),
                new Sampling(1.5, 7), MAX_NEW), turns);
        String b = script(new ChatSession(model.model(), model.requireTokenizer(), plain, Optional.empty(),
                new Sampling(1.5, 7), MAX_NEW), turns);
        String g = script(new ChatSession(model.model(), model.requireTokenizer(), plain, Optional.empty(),
                Sampling.GREEDY, MAX_NEW), turns);
        assertEquals(a, b);
        assertNotEquals(a, g);
    }

    @Test
    void aConversationTooLongForTheModelIsAOneLineErrorInAScript() {
        ChatSession s = new ChatSession(model.model(), model.requireTokenizer(), ChatTemplate.of(model.dir()),
                Optional.empty(), Sampling.GREEDY, MAX_NEW);
        String longTurn = "x".repeat(600);
        UserException e = assertThrows(UserException.class, () -> script(s, longTurn + "\n"));
        assertTrue(e.getMessage().contains("exceeds the model's 512 positions"), e.getMessage());
        assertEquals(0, s.messages().size(), "the failed turn is not kept");
        // interactively it is reported and the chat goes on
        StringWriter out = new StringWriter();
        int answers = ChatLoop.run(s, new BufferedReader(new StringReader(longTurn + "\nhi\n")), new PrintWriter(out),
                true);
        assertEquals(1, answers);
        assertTrue(out.toString().contains("(the conversation has"), out.toString());
    }
}
