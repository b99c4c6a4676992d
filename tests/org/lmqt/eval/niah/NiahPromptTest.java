package org.lmqt.eval.niah;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.lmqt.serve.ChatTemplate;

/** The context's ids sit unchanged between the prompt's: plain completion, or the model's chat template. */
class NiahPromptTest {
    private static final CharCodec CODEC = new CharCodec();
    private static final String CHATML = "{%- for message in messages %}"
            + "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    private static final NeedleSpec WHERE = new NeedleSpec("It is here.", "Where?", "here");

    private final Placement context = Haystack.of(CODEC, "Sea. Ship. Whale. ", "\nNeedle.\n", 60).place(60, 50);

    @Test
    void plainPromptIsBosContextQuestionAndAnswerCue() {
        NiahPrompt p = NiahPrompt.of(CODEC, Optional.empty(), Optional.empty(), WHERE);
        long[] ids = p.ids(context);
        assertEquals(CharCodec.BOS, ids[0]);
        assertArrayEquals(context.ids(), Arrays.copyOfRange(ids, 1, 61));
        assertEquals("\n\nQuestion: Where?\n" + NiahPrompt.INSTRUCTION + "\nAnswer:",
                CODEC.decode(Arrays.copyOfRange(ids, 61, ids.length)));
        assertEquals(ids.length - 60, p.overhead());
        // lmqt's plain chat template (a model without its own) is not used: the plain prompt is
        NiahPrompt viaPlainTemplate = NiahPrompt.of(CODEC, Optional.of(new ChatTemplate(ChatTemplate.PLAIN, "", "",
                false)), Optional.empty(), WHERE);
        assertArrayEquals(ids, viaPlainTemplate.ids(context));
    }

    @Test
    void chatTemplateWrapsTheContextWithoutAddingSpecialTokens() {
        ChatTemplate chatml = new ChatTemplate(CHATML, "", "<|im_end|>", true);
        NiahPrompt p = NiahPrompt.of(CODEC, Optional.of(chatml), Optional.of("Be brief."), WHERE);
        long[] ids = p.ids(context);
        String before = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n";
        String after = "\n\nQuestion: Where?\n" + NiahPrompt.INSTRUCTION + "<|im_end|>\n<|im_start|>assistant\n";
        assertEquals(before, CODEC.decode(Arrays.copyOf(ids, before.length())));
        assertArrayEquals(context.ids(), Arrays.copyOfRange(ids, before.length(), before.length() + 60));
        assertEquals(after, CODEC.decode(Arrays.copyOfRange(ids, before.length() + 60, ids.length)));
        assertEquals(before.length() + 60 + after.length(), ids.length);  // no BOS
    }

    @Test
    void passkeyPromptsCompleteThePassKeyAfterTheQuestion() {
        NeedleSpec key = NeedleSpec.passkey(4321);
        assertEquals("The pass key is 4321. Remember it. 4321 is the pass key.", key.needle());
        assertEquals("4321", key.expected());
        long[] plain = NiahPrompt.of(CODEC, Optional.empty(), Optional.empty(), key).ids(context);
        assertEquals(CharCodec.BOS, plain[0]);
        assertArrayEquals(context.ids(), Arrays.copyOfRange(plain, 1, 61));
        assertEquals("\nWhat is the pass key? The pass key is", CODEC.decode(Arrays.copyOfRange(plain, 61,
                plain.length)));
        ChatTemplate chatml = new ChatTemplate(CHATML, "", "<|im_end|>", true);
        long[] chat = NiahPrompt.of(CODEC, Optional.of(chatml), Optional.empty(), key).ids(context);
        String before = "<|im_start|>user\n";
        assertArrayEquals(context.ids(), Arrays.copyOfRange(chat, before.length(), before.length() + 60));
        assertEquals("\nWhat is the pass key?<|im_end|>\n<|im_start|>assistant\nThe pass key is",
                CODEC.decode(Arrays.copyOfRange(chat, before.length() + 60, chat.length)));
        // the key drawn from a seed is reproducible and in the references' range
        assertEquals(NeedleSpec.passkeyFor(3), NeedleSpec.passkeyFor(3));
        for (long seed = 0; seed < 200; seed++) {
            long k = NeedleSpec.passkeyFor(seed);
            assertTrue(k >= 1 && k <= 50000, Long.toString(k));
        }
    }

    @Test
    void aTemplateThatRefusesTheMessagesIsAOneLineError() {
        // Gemma-like: no system role
        ChatTemplate noSystem = new ChatTemplate("{% if messages[0]['role'] == 'system' %}"
                + "{{ raise_exception('System role not supported') }}{% endif %}{{ messages[0]['content'] }}", "", "",
                true);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> NiahPrompt.of(CODEC, Optional.of(noSystem), Optional.of("Be brief."), WHERE));
        assertEquals("the chat template: System role not supported", e.getMessage());
    }
}
