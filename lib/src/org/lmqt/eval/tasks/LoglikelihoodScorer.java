package org.lmqt.eval.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import java.util.Arrays;
import java.util.function.Function;
import org.lmqt.cli.UserException;
import org.lmqt.model.LlamaModel;

/**
 * lm-eval's HF backend ({@code loglikelihood}) on lmqt's model: a request's continuation tokens are scored after its
 * context tokens, left-truncated to the model's {@code max_position_embeddings + 1} tokens. One forward per request
 * (the choices of a document are not yet batched over their shared context); the log-softmax is taken in double
 * precision over the model's float32 logits (lm-eval's is in the model's dtype).
 */
public final class LoglikelihoodScorer {
    private final LlamaModel model;

    /** A scorer on {@code model}. */
    public LoglikelihoodScorer(LlamaModel model) {
        this.model = model;
    }

    /**
     * A request's score.
     *
     * @param logprob sum of the natural-log probabilities of the continuation tokens
     * @param greedy  every continuation token is the argmax (first maximum) of its logit row
     */
    public record Loglikelihood(double logprob, boolean greedy) {
        public Loglikelihood {
            if (Double.isNaN(logprob) || logprob > 0) {
                throw new IllegalArgumentException("a log-probability is at most 0, not " + logprob);
            }
        }
    }

    /**
     * Context and continuation token ids as lm-eval's {@code _encode_pair} forms them.
     *
     * @param context      {@code tok(ctx)}
     * @param continuation {@code tok(ctx + cont)[len(tok(ctx)):]}
     */
    public record EncodedPair(long[] context, long[] continuation) {
        public EncodedPair {
            if (context.length == 0 || continuation.length == 0) {
                throw new UserException("a request needs context and continuation tokens, got " + context.length
                        + " and " + continuation.length);
            }
        }
    }

    /**
     * lm-eval's {@code _encode_pair}: the context's trailing whitespace moves to the front of the continuation, then
     * the continuation is what {@code encode(ctx + cont)} holds after as many tokens as {@code encode(ctx)} has.
     * {@code encode} adds the tokenizer's default special tokens (a Llama tokenizer's BOS), as HF's does.
     */
    public static EncodedPair encodePair(String context, String continuation, Function<String, long[]> encode) {
        int spaces = context.length() - PyStr.rstrip(context).length();
        if (spaces > 0) {
            continuation = context.substring(context.length() - spaces) + continuation;
            context = context.substring(0, context.length() - spaces);
        }
        long[] whole = encode.apply(context + continuation);
        long[] ctx = encode.apply(context);
        long[] cont = Arrays.copyOfRange(whole, Math.min(ctx.length, whole.length), whole.length);
        return new EncodedPair(ctx, cont);
    }

    /** The score of {@code request} with the tokenizer {@code encode}. */
    public Loglikelihood score(Request request, Function<String, long[]> encode) {
        return score(encodePair(request.context(), request.continuation(), encode));
    }

    /** The score of already encoded tokens: input {@code (context + continuation)[-(max+1):][:-1]}. */
    public Loglikelihood score(EncodedPair pair) {
        long[] all = new long[pair.context().length + pair.continuation().length];
        System.arraycopy(pair.context(), 0, all, 0, pair.context().length);
        System.arraycopy(pair.continuation(), 0, all, pair.context().length, pair.continuation().length);
        int maxLength = model.config().maxPositions();
        int from = Math.max(0, all.length - (maxLength + 1));
        long[] input = Arrays.copyOfRange(all, from, all.length - 1);             // [L]
        int targets = pair.continuation().length;
        if (targets > input.length) {
            throw new UserException("a continuation of " + targets + " tokens does not fit the model's " + maxLength
                    + " positions");
        }
        long[] expected = Arrays.copyOfRange(all, all.length - targets, all.length); // [targets]
        float[] logits;                                                            // [targets, vocab]
        try (NDScope scope = new NDScope()) {
            NDArray hidden = model.hidden(input);                                  // [L, hidden]
            NDArray rows = hidden.get(new NDIndex((input.length - targets) + ":"));  // [targets, hidden]
            logits = model.head(rows).toFloatArray();
        }
        int vocab = logits.length / targets;
        double sum = 0;
        boolean greedy = true;
        for (int t = 0; t < targets; t++) {
            sum += logSoftmaxAt(logits, t * vocab, vocab, (int) expected[t]);
            greedy &= firstArgmax(logits, t * vocab, vocab) == expected[t];
        }
        return new Loglikelihood(sum, greedy);
    }

    /** {@code log_softmax(row)[target]} of the row at {@code offset}, in double. */
    static double logSoftmaxAt(float[] logits, int offset, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[offset + v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += Math.exp(logits[offset + v] - max);
        }
        return logits[offset + target] - max - Math.log(sum);
    }

    /** The index of the first maximum of the row at {@code offset}. */
    static int firstArgmax(float[] logits, int offset, int vocab) {
        int best = 0;
        for (int v = 1; v < vocab; v++) {
            if (logits[offset + v] > logits[offset + best]) {
                best = v;
            }
        }
        return best;
    }
}
