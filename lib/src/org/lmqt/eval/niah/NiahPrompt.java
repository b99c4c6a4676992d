package org.lmqt.eval.niah;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.lmqt.serve.ApiException;
import org.lmqt.serve.ChatTemplate;

/**
 * The prompt of one cell as token ids: the context's ids exactly as placed, between the ids of the text before and
 * after it. With the model's own chat template, the messages (an optional system message, then one user message:
 * the context, a blank line, {@code Question: <question>} and an instruction to answer with the sentence of the
 * text) are rendered with a marker in place of the context, and the text around the marker is tokenized without
 * special tokens (the template writes them). Without one (plain), the same user text ends in {@code Answer:}, and
 * the text before the context gets the tokenizer's special tokens (Llama: BOS), as a completion. The passkey style
 * puts the question on the line after the context and starts the answer with "The pass key is" (after the
 * generation prompt with a template; after the question, one space apart, in plain form, as the references do).
 */
public final class NiahPrompt {
    private static final String MARKER = "<<lmqt-niah-context>>";
    /** What the user message asks after the question. */
    public static final String INSTRUCTION = "Answer with the sentence of the text that answers the question.";

    private final long[] before; // [tokens before the context]
    private final long[] after;  // [tokens after the context]

    private NiahPrompt(long[] before, long[] after) {
        this.before = before;
        this.after = after;
    }

    /** The prompt around contexts for {@code spec}; {@code template} empty or not the model's own means plain. */
    public static NiahPrompt of(TokenCodec codec, Optional<ChatTemplate> template, Optional<String> system,
                                NeedleSpec spec) {
        boolean passkey = spec.style() == NeedleSpec.Style.PASSKEY;
        String user = passkey ? MARKER + "\n" + spec.question()
                : MARKER + "\n\nQuestion: " + spec.question() + "\n" + INSTRUCTION;
        if (template.isPresent() && template.get().fromModel()) {
            List<ChatTemplate.Message> messages = new ArrayList<>();
            system.ifPresent(s -> messages.add(new ChatTemplate.Message("system", s)));
            messages.add(new ChatTemplate.Message("user", user));
            String text;
            try {
                text = template.get().render(messages, true) + (passkey ? NeedleSpec.PASSKEY_CUE : "");
            } catch (ApiException e) {
                throw new IllegalArgumentException("the chat template: " + e.getMessage(), e);
            }
            int at = text.indexOf(MARKER);
            if (at < 0 || text.indexOf(MARKER, at + 1) >= 0) {
                throw new IllegalArgumentException("the chat template must show the user message exactly once");
            }
            return new NiahPrompt(codec.encode(text.substring(0, at), false),
                    codec.encode(text.substring(at + MARKER.length()), false));
        }
        String text = system.map(s -> s + "\n\n").orElse("") + user
                + (passkey ? " " + NeedleSpec.PASSKEY_CUE : "\nAnswer:");
        int at = text.indexOf(MARKER);
        return new NiahPrompt(codec.encode(text.substring(0, at), true),
                codec.encode(text.substring(at + MARKER.length()), false));
    }

    /** Tokens the prompt adds to a context. */
    public int overhead() {
        return before.length + after.length;
    }

    /** The prompt's ids for {@code context} // [before + context + after]. */
    public long[] ids(Placement context) {
        long[] out = Arrays.copyOf(before, before.length + context.length() + after.length);
        System.arraycopy(context.ids(), 0, out, before.length, context.length());
        System.arraycopy(after, 0, out, before.length + context.length(), after.length);
        return out;
    }
}
