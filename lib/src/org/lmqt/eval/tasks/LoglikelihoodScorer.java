package org.lmqt.eval.tasks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.lmqt.cli.UserException;
import org.lmqt.model.KvCache;
import org.lmqt.model.KvPolicy;
import org.lmqt.model.LlamaModel;

/**
 * lm-eval's HF backend ({@code loglikelihood}) on lmqt's model: a request's continuation tokens are scored after its
 * context tokens, left-truncated to the model's {@code max_position_embeddings + 1} tokens; the log-softmax is taken
 * in double precision over the model's float32 logits (lm-eval's is in the model's dtype).
 * <p>
 * Requests scored together ({@link #score(List)}: the choices of one document, or a whole task's requests) share
 * their common token prefixes: a {@link PrefixTree} runs each prefix once into a {@link KvCache} and every branch
 * from a {@link KvCache#restore restored} copy of that state (MMLU's five shots once for all documents, then a
 * question once for its four choices). Prefixes are found on the tokens, not the strings (the continuation is
 * {@code tok(ctx + cont)} after {@code len(tok(ctx))}, so it may start inside the context's text; Winogrande's
 * options are different contexts with one continuation, which share the sentence's start), and on the truncated
 * inputs, so a left truncation that shifts requests apart leaves them nothing to share and each runs alone. A shared
 * prefix stops before the first scored position of any of its requests (the head runs only on scored rows).
 * Results equal one forward per request up to float32 rounding (attention and matmuls split into several calls).
 * <p>
 * Only the exact KV cache shares prefixes. Under a KV-cache quantization policy a full pass is one prefill that reads
 * the quantized cache, and no policy's prefill equals a prefix prefill plus a later call: KIVI quantizes keys up to
 * the last multiple of R tokens and values up to {@code T - R} of the whole prefill (so even the prefix positions
 * depend on its length), the naive quantizer reads a later call's own tokens unquantized, kvquant keeps the first
 * rows of every call exact. The scorer then runs one forward per request ({@link #canSharePrefixes}). Their caches
 * rewind exactly all the same ({@link KvCache#snapshot}); only the scoring rule forbids sharing. The same holds for
 * layers and hooks that look across the tokens of a call (LLM.int8's outlier columns, a per-tensor activation
 * scale, and any hook that does not declare itself {@link org.lmqt.model.ForwardHook#tokenwise token-wise}).
 */
public final class LoglikelihoodScorer {
    /**
     * Tokens a shared prefix must save ({@code (requests - 1) * length}) to run as a call of its own; below, its
     * requests run it each. A shared prefix is one more forward call (one more pass over all weights) and copies of
     * the cache, which a few tokens do not pay back where a call costs mostly its weight reads (a GPU, a large model
     * at batch 1). A judgement, not a measurement: on bench-eval-tasks' tiny CPU model it made no difference
     * (lambada_openai, whose documents share only their BOS, ran at 1.00x with a threshold of 1 token).
     */
    public static final int MIN_SAVED_TOKENS = 32;

    private final LlamaModel model;
    private final boolean sharePrefixes;
    private final int minSavedTokens;

    /** A scorer on {@code model} that shares the prefixes of requests scored together where the model allows. */
    public LoglikelihoodScorer(LlamaModel model) {
        this(model, true);
    }

    /** A scorer on {@code model}; without {@code sharePrefixes} every request runs its own forward. */
    public LoglikelihoodScorer(LlamaModel model, boolean sharePrefixes) {
        this(model, sharePrefixes, MIN_SAVED_TOKENS);
    }

    /** As {@link #LoglikelihoodScorer(LlamaModel, boolean)}, sharing a prefix where it saves {@code minSavedTokens}. */
    public LoglikelihoodScorer(LlamaModel model, boolean sharePrefixes, int minSavedTokens) {
        if (minSavedTokens < 1) {
            throw new IllegalArgumentException("a shared prefix saves at least 1 token, not " + minSavedTokens);
        }
        this.model = model;
        this.sharePrefixes = sharePrefixes;
        this.minSavedTokens = minSavedTokens;
    }

    /**
     * Whether a shared prefix gives {@code model}'s requests the numbers of one forward each: only with the exact KV
     * cache ({@link KvPolicy#EXACT}; a quantizing policy's prefill differs from a prefix plus a continuation call)
     * and a {@link LlamaModel#tokenwise token-wise} model (no LLM.int8 layers, whose outlier columns depend on all
     * tokens of a call, and no hooks but token-wise ones: a per-tensor activation scale depends on them too).
     */
    public static boolean canSharePrefixes(LlamaModel model) {
        return model.kvPolicy() == KvPolicy.EXACT && model.tokenwise();
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
        return scoreAlone(input(pair));
    }

    /**
     * The scores of {@code pairs} in order, their common token prefixes run once ({@link PrefixTree}; when sharing is
     * on and allowed, else one forward per request).
     */
    public List<Loglikelihood> score(List<EncodedPair> pairs) {
        return score(pairs, i -> { });
    }

    /** As {@link #score(List)}; {@code onScored} sees the index of each request as it is scored (in tree order). */
    public List<Loglikelihood> score(List<EncodedPair> pairs, IntConsumer onScored) {
        List<ModelInput> inputs = pairs.stream().map(this::input).toList();
        Loglikelihood[] out = new Loglikelihood[inputs.size()];
        if (!sharesPrefixes() || inputs.size() < 2) {
            for (int i = 0; i < out.length; i++) {
                out[i] = scoreAlone(inputs.get(i));
                onScored.accept(i);
            }
            return List.of(out);
        }
        try (KvCache cache = model.newCache()) {
            run(tree(inputs), inputs, cache, out, onScored);
        }
        return List.of(out);
    }

    /** Tokens the model runs to score {@code pairs} together (their input lengths summed when nothing is shared). */
    public int tokensRun(List<EncodedPair> pairs) {
        List<ModelInput> inputs = pairs.stream().map(this::input).toList();
        return sharesPrefixes() && inputs.size() > 1 ? tree(inputs).tokensRun()
                : inputs.stream().mapToInt(in -> in.tokens().length).sum();
    }

    private PrefixTree tree(List<ModelInput> inputs) {
        return PrefixTree.of(inputs.stream().map(ModelInput::tokens).toList(),
                inputs.stream().mapToInt(ModelInput::firstScoredRow).toArray(), minSavedTokens);
    }

    /** Runs {@code node} from the cache's state (its first {@code node.from()} positions) and scores its leaves. */
    private void run(PrefixTree node, List<ModelInput> inputs, KvCache cache, Loglikelihood[] out,
                     IntConsumer onScored) {
        if (node.isLeaf()) {
            ModelInput in = inputs.get(node.request());
            out[node.request()] = node.from() == 0 ? scoreAlone(in) : scoreRest(in, node.from(), cache);
            onScored.accept(node.request());
            return;
        }
        // the node's shared tokens, once: only their keys and values are needed
        if (node.to() > node.from()) {
            try (NDScope scope = new NDScope()) {
                model.hidden(Arrays.copyOfRange(inputs.get(firstRequest(node)).tokens(), node.from(), node.to()),
                        cache);
            }
        }
        // each branch from a restored copy of this state
        try (KvCache.Snapshot mark = cache.snapshot()) {
            for (int b = 0; b < node.branches().size(); b++) {
                if (b > 0) {
                    cache.restore(mark);
                }
                run(node.branches().get(b), inputs, cache, out, onScored);
            }
        }
    }

    private static int firstRequest(PrefixTree node) {
        return node.isLeaf() ? node.request() : firstRequest(node.branches().get(0));
    }

    /** One forward of the whole input. */
    private Loglikelihood scoreAlone(ModelInput in) {
        try (NDScope scope = new NDScope()) {
            NDArray hidden = model.hidden(in.tokens());                            // [L, hidden]
            return scoreRows(hidden, in.firstScoredRow(), in.targets());
        }
    }

    /** The input's positions {@code from..} after the cache's {@code from} positions, then its scored rows. */
    private Loglikelihood scoreRest(ModelInput in, int from, KvCache cache) {
        long[] rest = Arrays.copyOfRange(in.tokens(), from, in.tokens().length);  // [L - from]
        try (NDScope scope = new NDScope()) {
            NDArray hidden = model.hidden(rest, cache);                           // [L - from, hidden]
            return scoreRows(hidden, in.firstScoredRow() - from, in.targets());
        }
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
