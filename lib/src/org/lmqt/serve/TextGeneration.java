package org.lmqt.serve;

import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.lmqt.model.Generator;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.Sampling;
import org.lmqt.model.TextTokenizer;

/**
 * One completion on the model: generates after the prompt ids until the model's EOS, a stop string, the token
 * limit, the deadline or a cancellation, and hands out the text as it becomes final. Not thread-safe: the server
 * runs one at a time on its model thread.
 */
final class TextGeneration {
    private final LlamaModel model;
    private final TextTokenizer tokenizer;
    private final Set<Long> eosIds;

    TextGeneration(LlamaModel model, TextTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.eosIds = org.lmqt.model.StopTokens.eos(model);
    }

    /**
     * The answer of a generation.
     *
     * @param text             generated text, cut before the first stop string
     * @param finishReason     {@code stop} (EOS or a stop string) or {@code length} (token limit or deadline)
     * @param promptTokens     tokens of the prompt
     * @param completionTokens tokens generated (with the EOS token when one ended it)
     */
    record Result(String text, String finishReason, int promptTokens, int completionTokens) {}

    /**
     * Generates up to {@code maxTokens} tokens after {@code prompt}. {@code onDelta} receives the final text piece by
     * piece (their concatenation is {@link Result#text}); generation ends early when {@code cancelled} answers true
     * or {@code deadlineNanos} (of {@link System#nanoTime}) passes.
     */
    Result run(long[] prompt, int maxTokens, Sampling sampling, StopStrings stops, long deadlineNanos,
               BooleanSupplier cancelled, Consumer<String> onDelta) {
        long[] ids = new long[maxTokens]; // [generated so far]
        int[] count = {0};
        int[] sent = {0};
        String[] cut = {null};
        boolean[] overTime = {false};
        long[] out = new Generator(model).generateWhile(prompt, maxTokens, sampling, eosIds, id -> {
            // stage 1: decode what is generated so far and look for a stop string
            ids[count[0]++] = id;
            String text = tokenizer.decode(java.util.Arrays.copyOf(ids, count[0]));
            int stop = stops.firstStop(text);
            if (stop >= 0) {
                cut[0] = text.substring(0, stop);
                return false;
            }
            // stage 2: send the part that can no longer change
            int safe = stops.safeLength(text);
            if (safe > sent[0]) {
                onDelta.accept(text.substring(sent[0], safe));
                sent[0] = safe;
            }
            if (System.nanoTime() - deadlineNanos > 0) {
                overTime[0] = true;
                return false;
            }
            return !cancelled.getAsBoolean();
        });
        // stage 3: the final text, and what of it has not been sent yet
        String text = cut[0] != null ? cut[0] : tokenizer.decode(out);
        if (text.length() > sent[0]) {
            onDelta.accept(text.substring(sent[0]));
        }
        boolean stopped = cut[0] != null || out.length > 0 && eosIds.contains(out[out.length - 1]) && !overTime[0];
        return new Result(text, stopped ? "stop" : "length", prompt.length, out.length);
    }
}
