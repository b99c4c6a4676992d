package org.lmqt.eval.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.lmqt.cli.UserException;
import org.lmqt.model.KvCache;
import org.lmqt.model.KvPolicy;
import org.lmqt.model.LlamaModel;

/**
 * lm-eval's HF backend ({@code loglikelihood}) on lmqt's model: a request's continuation tokens are scored after its
 * context tokens, left-truncated to the model's {@code max_position_embeddings + 1} tokens; the log-softmax is taken
 * in double precision over the model's float32 logits (lm-eval's is in the model's dtype).
 * <p>
 * Requests scored together ({@link #score(List)}, e.g. the choices of one document) share the longest common prefix
 * of their model inputs: it runs once into a {@link KvCache}, then each request's remaining tokens run from a
 * {@link KvCache#restore restored} copy of that state. The prefix is found on the tokens, not the strings (the
 * continuation is {@code tok(ctx + cont)} after {@code len(tok(ctx))}, so it may start inside the context's text;
 * Winogrande's options are different contexts with one continuation, which share the sentence's start), and on the
 * truncated inputs, so a left truncation that shifts the requests apart leaves nothing to share and each runs alone.
 * The shared prefix stops before the first scored position of any request (the head then runs only on scored rows).
 * Results equal one forward per request up to float32 rounding (attention and matmuls split into two calls).
 * <p>
 * Only the exact KV cache shares prefixes. Under a KV-cache quantization policy a full pass is one prefill that reads
 * the quantized cache, and no policy's prefill equals a prefix prefill plus a later call: KIVI quantizes keys up to
 * the last multiple of R tokens and values up to {@code T - R} of the whole prefill (so even the prefix positions
 * depend on its length), the naive quantizer reads a later call's own tokens unquantized, kvquant keeps the first
 * rows of every call exact. The scorer then runs one forward per request ({@link #canSharePrefixes}). Their caches
 * rewind exactly all the same ({@link KvCache#snapshot}); only the scoring rule forbids sharing.
 */
public final class LoglikelihoodScorer {
    private final LlamaModel model;
    private final boolean sharePrefixes;

    /** A scorer on {@code model} that shares the prefixes of requests scored together where the model allows. */
    public LoglikelihoodScorer(LlamaModel model) {
        this(model, true);
    }

    /** A scorer on {@code model}; without {@code sharePrefixes} every request runs its own forward. */
    public LoglikelihoodScorer(LlamaModel model, boolean sharePrefixes) {
        this.model = model;
        this.sharePrefixes = sharePrefixes;
    }

    /**
     * Whether a shared prefix gives {@code model}'s requests the numbers of one forward each: only with the exact KV
     * cache ({@link KvPolicy#EXACT}); a quantizing policy's prefill differs from a prefix plus a continuation call.
     */
    public static boolean canSharePrefixes(LlamaModel model) {
        return model.kvPolicy() == KvPolicy.EXACT;
    }

    /** Whether this scorer shares prefixes now (asked for and allowed by the model's KV policy). */
    public boolean sharesPrefixes() {
        return sharePrefixes && canSharePrefixes(model);
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
     * What the model runs for one request and what it scores.
     *
     * @param tokens  {@code (context + continuation)[-(max+1):][:-1]}, the model input {@code [L]}
     * @param targets the continuation tokens {@code [n]}, predicted by the last n rows of the input
     */
    private record ModelInput(long[] tokens, long[] targets) {
        /** Index of the first input row that predicts a target. */
        int firstScoredRow() {
            return tokens.length - targets.length;
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

    /** The score of already encoded tokens: input {@code (context + continuation)[-(max+1):][:-1]}, one forward. */
    public Loglikelihood score(EncodedPair pair) {
        ModelInput in = input(pair);
        try (NDScope scope = new NDScope()) {
            NDArray hidden = model.hidden(in.tokens());                            // [L, hidden]
            return scoreRows(hidden, in.firstScoredRow(), in.targets());
        }
    }

    /**
     * The scores of {@code pairs} in order: their longest common input prefix runs once, then each request's rest
     * (when sharing is on and allowed, and the prefix is not empty; else one forward per request).
     */
    public List<Loglikelihood> score(List<EncodedPair> pairs) {
        List<ModelInput> inputs = pairs.stream().map(this::input).toList();
        int shared = prefixToShare(inputs);
        if (shared == 0) {
            return pairs.stream().map(this::score).toList();
        }
        List<Loglikelihood> out = new ArrayList<>(inputs.size());
        long[] prefix = Arrays.copyOf(inputs.get(0).tokens(), shared);               // [S]
        try (KvCache cache = model.newCache()) {
            // the shared prefix, once: only its keys and values are needed
            try (NDScope scope = new NDScope()) {
                model.hidden(prefix, cache);
            }
            try (KvCache.Snapshot afterPrefix = cache.snapshot()) {
                for (int r = 0; r < inputs.size(); r++) {
                    if (r > 0) {
                        cache.restore(afterPrefix);
                    }
                    // the rest of request r at positions S.., then its scored rows
                    ModelInput in = inputs.get(r);
                    long[] rest = Arrays.copyOfRange(in.tokens(), shared, in.tokens().length); // [L - S]
                    try (NDScope scope = new NDScope()) {
                        NDArray hidden = model.hidden(rest, cache);                   // [L - S, hidden]
                        out.add(scoreRows(hidden, in.firstScoredRow() - shared, in.targets()));
                    }
                }
            }
        }
        return out;
    }

    /** The tokens {@link #score(List)} runs once for {@code pairs} (0 when each request runs alone). */
    public int sharedPrefix(List<EncodedPair> pairs) {
        return prefixToShare(pairs.stream().map(this::input).toList());
    }

    private int prefixToShare(List<ModelInput> inputs) {
        return sharesPrefixes() && inputs.size() > 1 ? commonPrefix(inputs) : 0;
    }

    /**
     * Tokens the inputs share from the start, up to the first scored row of any of them (so every request keeps at
     * least one token of its own and the prefix pass needs no logits).
     */
    private static int commonPrefix(List<ModelInput> inputs) {
        long[] first = inputs.get(0).tokens();
        int shared = first.length;
        for (ModelInput in : inputs) {
            shared = Math.min(shared, in.firstScoredRow());
            int i = 0;
            while (i < shared && in.tokens()[i] == first[i]) {
                i++;
            }
            shared = i;
        }
        return shared;
    }

    /** lm-eval's model input for {@code pair}, refused when its continuation does not fit the model. */
    private ModelInput input(EncodedPair pair) {
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
        return new ModelInput(input, Arrays.copyOfRange(all, all.length - targets, all.length)); // [targets]
    }

    /** Log-probability and greediness of {@code targets} predicted by the rows of {@code hidden} from {@code first}. */
    private Loglikelihood scoreRows(NDArray hidden, int first, long[] targets) {
        NDArray rows = hidden.get(new NDIndex(first + ":"));                       // [targets, hidden]
        float[] logits = model.head(rows).toFloatArray();                         // [targets, vocab]
        int vocab = logits.length / targets.length;
        double sum = 0;
        boolean greedy = true;
        for (int t = 0; t < targets.length; t++) {
            sum += logSoftmaxAt(logits, t * vocab, vocab, (int) targets[t]);
            greedy &= firstArgmax(logits, t * vocab, vocab) == targets[t];
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
