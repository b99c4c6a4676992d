package org.lmqt.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.lmqt.cli.UserException;
import org.lmqt.model.Generator;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.Sampling;
import org.lmqt.model.StopTokens;
import org.lmqt.model.TextTokenizer;
import org.lmqt.serve.ApiException;
import org.lmqt.serve.ChatTemplate;

/**
 * A conversation with a model: the history (an optional system message, then user and assistant turns) rendered
 * with the model's chat template ({@link ChatTemplate}, as {@code serve} renders it) before every answer, which is
 * generated until the model's EOS or {@code maxNewTokens}. Each answer re-reads the whole conversation (no cache
 * is kept between turns). Sampled turns draw with seed {@code seed + turn} (turn 0, 1, ...), so a conversation
 * is reproducible and its turns do not repeat one random stream. Not thread-safe.
 */
public final class ChatSession {
    private final LlamaModel model;
    private final TextTokenizer tokenizer;
    private final ChatTemplate template;
    private final Optional<String> system;
    private final Sampling sampling;
    private final int maxNewTokens;
    private final Set<Long> eos;
    private final List<ChatTemplate.Message> history = new ArrayList<>();
    private int turn;

    /** A session; {@code sampling}'s temperature 0 is greedy. */
    public ChatSession(LlamaModel model, TextTokenizer tokenizer, ChatTemplate template, Optional<String> system,
                       Sampling sampling, int maxNewTokens) {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("--max-new-tokens must be >= 1");
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.system = system;
        this.sampling = sampling;
        this.maxNewTokens = maxNewTokens;
        this.eos = StopTokens.eos(model);
    }

    /** The messages so far (system message first, when there is one). */
    public List<ChatTemplate.Message> messages() {
        List<ChatTemplate.Message> all = new ArrayList<>();
        system.ifPresent(s -> all.add(new ChatTemplate.Message("system", s)));
        all.addAll(history);
        return List.copyOf(all);
    }

    /**
     * The prompt ids for {@code messages} with the generation prompt: the model's template writes its special
     * tokens itself (tokenized without adding any); lmqt's plain one gets the tokenizer's, as a completion.
     */
    public long[] promptIds(List<ChatTemplate.Message> messages) {
        String text;
        try {
            text = template.render(messages, true);
        } catch (ApiException e) {
            throw new UserException(e.getMessage());
        }
        return template.fromModel() ? tokenizer.encodeWithoutSpecials(text) : tokenizer.encode(text);
    }

    /**
     * The answer to {@code user}; {@code onText} gets the answer's text piece by piece as it is generated. Both turns
     * join the history. A conversation too long for the model is a one-line error and changes nothing.
     */
    public String reply(String user, Consumer<String> onText) {
        List<ChatTemplate.Message> messages = new ArrayList<>(messages());
        messages.add(new ChatTemplate.Message("user", user));
        long[] prompt = promptIds(messages); // [prompt tokens]
        int positions = model.config().maxPositions();
        if (prompt.length + maxNewTokens - 1 > positions) {
            throw new UserException("the conversation has " + prompt.length + " tokens; with " + maxNewTokens
                    + " new ones it exceeds the model's " + positions + " positions (/reset starts over)");
        }
        Sampling s = sampling.temperature() == 0 ? sampling
                : new Sampling(sampling.temperature(), sampling.seed() + turn, sampling.topP());
        // generate, handing out the text that can no longer change (no half UTF-8 character at the end)
        long[] ids = new long[maxNewTokens]; // [generated so far]
        int[] n = {0};
        int[] sent = {0};
        long[] out = new Generator(model).generate(prompt, maxNewTokens, s, eos, id -> {
            ids[n[0]++] = id;
            String text = tokenizer.decode(java.util.Arrays.copyOf(ids, n[0]));
            int safe = text.endsWith("\uFFFD") ? text.length() - 1 : text.length();
            if (safe > sent[0]) {
                onText.accept(text.substring(sent[0], safe));
                sent[0] = safe;
            }
        });
        String answer = tokenizer.decode(out);
        if (answer.length() > sent[0]) {
            onText.accept(answer.substring(sent[0]));
        }
        history.add(new ChatTemplate.Message("user", user));
        history.add(new ChatTemplate.Message("assistant", answer));
        turn++;
        return answer;
    }

    /** Forgets the turns (the system message stays). */
    public void reset() {
        history.clear();
    }
}
