package org.lmqt.eval.niah;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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

    private final Placement context = Haystack.of(CODEC, "Sea. Ship. Whale. ", "\nNeedle.\n", 60).place(60, 50);

    @Test
    void plainPromptIsBosContextQuestionAndAnswerCue() {
        NiahPrompt p = NiahPrompt.of(CODEC, Optional.empty(), Optional.empty(), "Where?");
        long[] ids = p.ids(context);
        assertEquals(CharCodec.BOS, ids[0]);
        assertArrayEquals(context.ids(), Arrays.copyOfRange(ids, 1, 61));
        assertEquals("\n\nQuestion: Where?\n" + NiahPrompt.INSTRUCTION + "\nAnswer:",
                CODEC.decode(Arrays.copyOfRange(ids, 61, ids.length)));
        assertEquals(ids.length - 60, p.overhead());
        // lmqt's plain chat template (a model without its own) is not used: the plain prompt is
        NiahPrompt viaPlainTemplate = NiahPrompt.of(CODEC, Optional.of(new ChatTemplate(ChatTemplate.PLAIN, "", "",
                false)), Optional.empty(), "Where?");
        assertArrayEquals(ids, viaPlainTemplate.ids(context));
    }

    @Test
    void chatTemplateWrapsTheContextWithoutAddingSpecialTokens() {
        ChatTemplate chatml = new ChatTemplate(CHATML, "", "<|im_end|>", true);
        NiahPrompt p = NiahPrompt.of(CODEC, Optional.of(chatml), Optional.of("Be brief."), "Where?");
        long[] ids = p.ids(context);
        String before = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n";
        String after = "\n\nQuestion: Where?\n" + NiahPrompt.INSTRUCTION + "<|im_end|>\n<|im_start|>assistant\n";
        assertEquals(before, CODEC.decode(Arrays.copyOf(ids, before.length())));
        assertArrayEquals(context.ids(), Arrays.copyOfRange(ids, before.length(), before.length() + 60));
        assertEquals(after, CODEC.decode(Arrays.copyOfRange(ids, before.length() + 60, ids.length)));
        assertEquals(before.length() + 60 + after.length(), ids.length);  // no BOS
    }
}
