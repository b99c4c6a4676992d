package org.lmqt.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hugging Face chat templates rendered through Jinjava, as {@code apply_chat_template} renders them. */
class ChatTemplateTest {
    /** Llama-2-chat's template (tokenizer_config.json of meta-llama/Llama-2-7b-chat-hf). */
    static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
            + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
            + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}"
            + "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
            + "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    /** ChatML as Qwen2.5 writes it, a block per line: {@code {%- -%}}, {@code {{- }}} and trim_blocks matter. */
    static final String CHATML = "{%- for message in messages %}\n"
            + "    {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
            + "{%- endfor %}\n"
            + "{%- if add_generation_prompt %}\n"
            + "    {{- '<|im_start|>assistant\\n' }}\n"
            + "{%- endif %}\n";

    @TempDir
    Path tmp;

    private static ChatTemplate.Message m(String role, String content) {
        return new ChatTemplate.Message(role, content);
    }

    @Test
    void llama2TemplateWithSystemPromptAndTurns() throws Exception {
        Files.writeString(tmp.resolve("tokenizer_config.json"), new ObjectMapper().writeValueAsString(Map.of(
                "chat_template", LLAMA2, "bos_token", Map.of("content", "<s>", "__type", "AddedToken"),
                "eos_token", "</s>")));
        ChatTemplate t = ChatTemplate.of(tmp);
        assertTrue(t.fromModel());
        assertEquals("<s>", t.bosToken());
        String out = t.render(List.of(m("system", "Be brief."), m("user", " What is algebra? "),
                m("assistant", "A branch of math."), m("user", "And geometry?")), true);
        assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n What is algebra? [/INST] A branch of math. </s>"
                + "<s>[INST] And geometry? [/INST]", out);
    }

    @Test
    void raiseExceptionBecomesA400() {
        ChatTemplate t = new ChatTemplate(LLAMA2, "<s>", "</s>", true);
        ApiException e = assertThrows(ApiException.class, () -> t.render(List.of(m("user", "a"), m("user", "b")),
                true));
        assertEquals(400, e.status());
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    @Test
    void chatMlWithTrimmedBlocksAndTheGenerationPrompt() {
        ChatTemplate t = new ChatTemplate(CHATML, "", "<|im_end|>", true);
        assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", t.render(List.of(m("user", "hi")),
                true));
        assertEquals("<|im_start|>user\nhi<|im_end|>\n", t.render(List.of(m("user", "hi")), false));
    }

    @Test
    void withoutATemplateThePlainOneIsUsed() throws Exception {
        ChatTemplate none = ChatTemplate.of(tmp);
        assertFalse(none.fromModel());
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"bos_token\": \"<s>\"}");
        ChatTemplate noTemplate = ChatTemplate.of(tmp);
        assertFalse(noTemplate.fromModel());
        assertEquals("user: hi\nassistant:", noTemplate.render(List.of(m("user", "hi")), true));
    }
}
