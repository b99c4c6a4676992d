package org.lmqt.eval.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.ForwardHook;
import org.lmqt.model.KvCache;
import org.lmqt.model.KvPolicy;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.LoadedModel;
import org.lmqt.quant.kv.KvMethods;

/**
 * Requests scored together over their shared token prefix give what one forward per request gives: the same
 * {@code is_greedy} and predictions, loglikelihoods within float32 rounding, on the lm-eval fixtures' documents and on
 * the tiny models; a KV-cache quantization policy falls back to one forward per request.
 */
class PrefixSharingTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    /**
     * The largest |shared - alone| loglikelihood allowed per scored token: {@code 2^-17 ~ 7.6e-6}. The two ways run
     * the same float32 operations and differ only in how attention and the matmuls are split (the prefix's rows in
     * one call, the rest in another), so a logit moves by a few rounding steps of its own magnitude, and a token's
     * log-softmax by at most twice the largest logit change. The tiny models' logits stay below 32 in magnitude
     * (largest seen on these requests: 28.5), where a float32 step is {@code 2^-19 ~ 1.9e-6}: the bound is 4 such
     * steps. Measured on the fixtures' documents: at most 1.70e-6 per token, one step.
     */
    static final double PER_TOKEN = 0x1p-17;

    private static LoadedModel gqa;
    private static LoadedModel mha;

    @BeforeAll
    static void open() {
        gqa = LoadedModel.open(TestData.shared("fixtures/llama/tiny-llama-gqa-bf16").toString(), ComputeDevice.CPU);
        mha = LoadedModel.open(TestData.shared("fixtures/llama/tiny-llama-mha-f32-tied").toString(), ComputeDevice.CPU);
    }

    @AfterAll
    static void close() {
        gqa.close();
        mha.close();
    }

    /** A scorer that shares every common prefix, however short (the hardest case for equality). */
    private static LoglikelihoodScorer sharing(LlamaModel model) {
        return new LoglikelihoodScorer(model, true, 1);
    }

    /** UTF-8 bytes as ids after a BOS, within the tiny models' 256 ids (make-tiny-llama's byte-level ids). */
    static final Function<String, long[]> BYTES = text -> {
        byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long[] ids = new long[b.length + 1];
        ids[0] = 1;
        for (int i = 0; i < b.length; i++) {
            ids[i + 1] = (b[i] & 0xff) % 253 + 3;
        }
        return ids;
    };

    private static Path fixture(String f) {
        return TestData.shared("fixtures/lm-eval/" + f);
    }

    /** The fixture's requests of {@code task}, {@code shots}-shot from {@code pool} (when shots > 0). */
    private static <D> TaskRequests requests(LoglikelihoodTask<D> task, int shots, String pool) {
        List<D> docs = Documents.read(task, fixture(task.name() + ".jsonl"));
        return shots == 0 ? TaskRequests.zeroShot(task, docs)
                : TaskRequests.build(task, docs, Documents.read(task, fixture(pool)), shots, 1234);
    }

    /** Each document's requests as encoded pairs, documents in order. */
    private static List<List<LoglikelihoodScorer.EncodedPair>> byDocument(TaskRequests built) {
        List<List<LoglikelihoodScorer.EncodedPair>> docs = new ArrayList<>();
        for (Request r : built.requests()) {
            if (r.docId() == docs.size()) {
                docs.add(new ArrayList<>());
            }
            docs.get(r.docId()).add(LoglikelihoodScorer.encodePair(r.context(), r.continuation(), BYTES));
        }
        return docs;
    }

    /** Both ways' scores of one group and the largest |difference| per scored token. */
    private record Compared(List<LoglikelihoodScorer.Loglikelihood> shared,
                            List<LoglikelihoodScorer.Loglikelihood> alone, double worstPerToken) {}

    /** Shared and alone scores of {@code group} agree (within float32 rounding; is_greedy exactly). */
    private static Compared compare(LlamaModel model, List<LoglikelihoodScorer.EncodedPair> group, String what) {
        LoglikelihoodScorer shared = sharing(model);
        LoglikelihoodScorer alone = new LoglikelihoodScorer(model, false);
        assertEquals(group.stream().mapToInt(p -> Math.min(p.context().length + p.continuation().length - 1,
                model.config().maxPositions())).sum(), alone.tokensRun(group));
        int[] seen = new int[group.size()];
        List<LoglikelihoodScorer.Loglikelihood> s = shared.score(group, i -> seen[i]++);
        List<LoglikelihoodScorer.Loglikelihood> a = alone.score(group);
        assertTrue(java.util.Arrays.stream(seen).allMatch(n -> n == 1), what + ": every request reported once");
        double worst = 0;
        for (int i = 0; i < group.size(); i++) {
            int targets = group.get(i).continuation().length;
            double diff = Math.abs(s.get(i).logprob() - a.get(i).logprob());
            assertTrue(diff <= PER_TOKEN * targets, what + " request " + i + ": |" + s.get(i).logprob() + " - "
                    + a.get(i).logprob() + "| over " + targets + " tokens");
            assertEquals(a.get(i).greedy(), s.get(i).greedy(), what + " request " + i + " is_greedy");
            worst = Math.max(worst, diff / targets);
        }
        return new Compared(s, a, worst);
    }

    /** The documents' predictions ({@code argmax} of their loglikelihoods, requests in document order) agree. */
    private static void samePredictions(Compared c, List<List<LoglikelihoodScorer.EncodedPair>> docs, String what) {
        int at = 0;
        for (int d = 0; d < docs.size(); d++) {
            int n = docs.get(d).size();
            double[] ls = c.shared().subList(at, at + n).stream()
                    .mapToDouble(LoglikelihoodScorer.Loglikelihood::logprob).toArray();
            double[] la = c.alone().subList(at, at + n).stream()
                    .mapToDouble(LoglikelihoodScorer.Loglikelihood::logprob).toArray();
            assertEquals(ChoiceScore.argmax(la), ChoiceScore.argmax(ls), what + " doc " + d + " prediction");
            at += n;
        }
    }

    @Test
    void fixtureRequestsScoreAlikeSharedOrAlone() {
        Object[][] cases = {
                {"arc_easy", 0, null}, {"arc_easy", 3, "arc_easy.train.jsonl"}, {"arc_challenge", 0, null},
                {"hellaswag", 0, null}, {"hellaswag", 2, "hellaswag.train.jsonl"}, {"piqa", 0, null},
                {"winogrande", 0, null}, {"winogrande", 2, "winogrande.train.jsonl"}, {"boolq", 0, null},
                {"openbookqa", 0, null}, {"mmlu_abstract_algebra", 5, "mmlu_abstract_algebra.dev.jsonl"}};
        double worst = 0;
        int sharedDocs = 0;
        int unsharedDocs = 0;
        for (LoadedModel m : List.of(gqa, mha)) {
            LoglikelihoodScorer scorer = sharing(m.model());
            LoglikelihoodScorer alone = new LoglikelihoodScorer(m.model(), false);
            for (Object[] c : cases) {
                String what = m.shortId() + " " + c[0] + " " + c[1] + "-shot";
                TaskRequests built = requests(Tasks.byName((String) c[0]), (Integer) c[1], (String) c[2]);
                List<List<LoglikelihoodScorer.EncodedPair>> docs = byDocument(built);
                int perDocument = 0;
                for (int d = 0; d < docs.size(); d++) {
                    int run = scorer.tokensRun(docs.get(d));
                    perDocument += run;
                    if (run < alone.tokensRun(docs.get(d))) {
                        sharedDocs++;
                    } else {
                        unsharedDocs++;
                    }
                }
                // the whole task at once (as TaskEvaluation scores it) shares at least what each document does
                List<LoglikelihoodScorer.EncodedPair> all = docs.stream().flatMap(List::stream).toList();
                Compared c2 = compare(m.model(), all, what);
                worst = Math.max(worst, c2.worstPerToken());
                samePredictions(c2, docs, what);
                assertTrue(scorer.tokensRun(all) <= perDocument, what);
                if (c[0].equals("arc_easy") && c[1].equals(0)) {
                    // "Question: " starts every document: run once for the task, not once per document (and
                    // two questions that start alike share more)
                    assertTrue(scorer.tokensRun(all) <= perDocument - (docs.size() - 1) * commonPrefix(all));
                    assertTrue(commonPrefix(all) >= 11);
                }
            }
        }
        System.out.printf("prefix sharing: max |shared - alone| per token %.3g; %d documents shared, %d did not%n",
                worst, sharedDocs, unsharedDocs);
        assertTrue(sharedDocs >= 54, sharedDocs + " documents shared a prefix");
    }

    /** Tokens all inputs of {@code pairs} ({@code context + continuation[:-1]}) start with. */
    private static int commonPrefix(List<LoglikelihoodScorer.EncodedPair> pairs) {
        int n = Integer.MAX_VALUE;
        long[] first = pairs.get(0).context();
        for (LoglikelihoodScorer.EncodedPair p : pairs) {
            int i = 0;
            while (i < Math.min(first.length, p.context().length) && p.context()[i] == first[i]) {
                i++;
            }
            n = Math.min(n, i);
        }
        return n;
    }

    @Test
    void mmluFiveShotsRunOnceForAllDocuments(@TempDir Path tmp) {
        // a tiny model with room for the 708-byte 5-shot prompts (the fixture models have 256 positions)
        new TinyLlama(2, 64, 176, 4, 2, 256, 1024, 10000.0, false, DType.F32, 7).write(tmp);
        try (LoadedModel m = LoadedModel.open(tmp.toString(), ComputeDevice.CPU)) {
            TaskRequests built = requests(Tasks.byName("mmlu_abstract_algebra"), 5, "mmlu_abstract_algebra.dev.jsonl");
            List<List<LoglikelihoodScorer.EncodedPair>> docs = byDocument(built);
            List<LoglikelihoodScorer.EncodedPair> all = docs.stream().flatMap(List::stream).toList();
            LoglikelihoodScorer scorer = sharing(m.model());
            int perDocument = docs.stream().mapToInt(scorer::tokensRun).sum();
            int shots = commonPrefix(all);
            assertTrue(shots > 500, shots + " tokens of description and examples");
            assertEquals(perDocument - (docs.size() - 1) * shots, scorer.tokensRun(all));
            Compared c = compare(m.model(), all, "mmlu 5-shot");
            samePredictions(c, docs, "mmlu 5-shot");
            double worst = c.worstPerToken();
            System.out.printf("mmlu 5-shot: %d tokens run shared, %d per document, %d alone; max diff per token %.3g%n",
                    scorer.tokensRun(all), perDocument, new LoglikelihoodScorer(m.model(), false).tokensRun(all), worst);
        }
    }

    @Test
    void prefixesStopBeforeTheFirstScoredTokenAndTruncationBreaksThem() {
        LlamaModel model = gqa.model();
        LoglikelihoodScorer scorer = sharing(model);
        long[] context = {1, 17, 200, 3, 45, 45, 99};
        // one continuation is the start of another: the shared part ends where the scoring starts (6 tokens), then
        // each runs its rest (1, 3 and 2 tokens)
        List<LoglikelihoodScorer.EncodedPair> nested = List.of(
                new LoglikelihoodScorer.EncodedPair(context, new long[] {7}),
                new LoglikelihoodScorer.EncodedPair(context, new long[] {7, 250, 12}),
                new LoglikelihoodScorer.EncodedPair(context, new long[] {131, 2}));
        assertEquals(6 + 1 + 3 + 2, scorer.tokensRun(nested));
        compare(model, nested, "nested continuations");
        // winogrande's shape: contexts that part after a common start (4 tokens), one continuation
        List<LoglikelihoodScorer.EncodedPair> options = List.of(
                new LoglikelihoodScorer.EncodedPair(new long[] {1, 30, 31, 32, 60, 61}, new long[] {40, 41, 42}),
                new LoglikelihoodScorer.EncodedPair(new long[] {1, 30, 31, 32, 70}, new long[] {40, 41, 42}));
        assertEquals(4 + 4 + 3, scorer.tokensRun(options));
        compare(model, options, "winogrande-like options");
        // a prefix inside a prefix: all three share 2 tokens (where C's scoring starts), A and B one more
        List<LoglikelihoodScorer.EncodedPair> tree = List.of(
                new LoglikelihoodScorer.EncodedPair(new long[] {1, 2, 3, 4}, new long[] {5, 9}),
                new LoglikelihoodScorer.EncodedPair(new long[] {1, 2, 3, 4}, new long[] {6, 9}),
                new LoglikelihoodScorer.EncodedPair(new long[] {1, 2, 7}, new long[] {8, 9}));
        assertEquals(2 + (1 + 2 + 2) + 2, scorer.tokensRun(tree));
        compare(model, tree, "nested prefixes");
        // contexts longer than the model: left truncation by different amounts shifts the inputs apart
        int max = model.config().maxPositions();
        long[] longContext = new long[max + 10];
        for (int i = 0; i < longContext.length; i++) {
            longContext[i] = 3 + (i * 7) % 250;
        }
        List<LoglikelihoodScorer.EncodedPair> truncated = List.of(
                new LoglikelihoodScorer.EncodedPair(longContext, new long[] {9}),
                new LoglikelihoodScorer.EncodedPair(longContext, new long[] {9, 11, 13}));
        assertEquals(2 * max, scorer.tokensRun(truncated));
        List<LoglikelihoodScorer.Loglikelihood> cut = scorer.score(truncated);
        for (int i = 0; i < truncated.size(); i++) {
            assertEquals(scorer.score(truncated.get(i)), cut.get(i), "nothing shared: the very same forward");
        }
        // truncation by the same amount keeps the start common
        List<LoglikelihoodScorer.EncodedPair> sameCut = List.of(
                new LoglikelihoodScorer.EncodedPair(longContext, new long[] {9, 11}),
                new LoglikelihoodScorer.EncodedPair(longContext, new long[] {21, 11}));
        assertEquals(max - 2 + 2 + 2, scorer.tokensRun(sameCut));
        compare(model, sameCut, "same cut");
    }

    @Test
    void aPrefixRunsOnItsOwnOnlyWhereItSavesEnoughTokens() {
        LlamaModel model = gqa.model();
        long[] shortContext = {1, 17, 200, 3, 45};
        List<LoglikelihoodScorer.EncodedPair> few = List.of(
                new LoglikelihoodScorer.EncodedPair(shortContext, new long[] {7, 8}),
                new LoglikelihoodScorer.EncodedPair(shortContext, new long[] {9, 8}));
        LoglikelihoodScorer byDefault = new LoglikelihoodScorer(model);
        // 5 shared tokens save 5: each request runs alone, the very same forward as without sharing
        assertEquals(6 + 6, byDefault.tokensRun(few));
        List<LoglikelihoodScorer.Loglikelihood> together = byDefault.score(few);
        for (int i = 0; i < few.size(); i++) {
            assertEquals(byDefault.score(few.get(i)), together.get(i));
        }
        // 39 tokens common to 3 requests (up to C's first scored row) save 78: shared; A and B then share 2 more
        // (saving 2), which each runs by default
        long[] context = new long[40];
        for (int i = 0; i < context.length; i++) {
            context[i] = 3 + (i * 13) % 250;
        }
        long[] longer = java.util.Arrays.copyOf(context, 42);
        longer[40] = 7;
        longer[41] = 8;
        List<LoglikelihoodScorer.EncodedPair> many = List.of(
                new LoglikelihoodScorer.EncodedPair(longer, new long[] {9, 10}),
                new LoglikelihoodScorer.EncodedPair(longer, new long[] {11, 12}),
                new LoglikelihoodScorer.EncodedPair(context, new long[] {20, 21}));
        assertEquals(39 + 4 + 4 + 2, byDefault.tokensRun(many));
        assertEquals(39 + (2 + 2 + 2) + 2, sharing(model).tokensRun(many));
        compare(model, many, "a prefix in a prefix");
    }

    @Test
    void theBenchmarkComparesBothWaysOnTheSameRequests() {
        TaskEvaluation eval = new TaskEvaluation(Tasks.byName("arc_easy"), 0, 1234);
        int[] seen = {0};
        PrefixSharingComparison c = PrefixSharingComparison.measure(eval, gqa.model(), BYTES,
                fixture("arc_easy.jsonl"), java.util.Optional.empty(), java.util.Optional.empty(), 2, i -> seen[0]++);
        assertEquals(2 * 2 * 11, seen[0], "two runs each way of 11 requests, warm-up not reported");
        assertEquals(3, c.shared().documents());
        assertEquals(c.alone().requests(), c.shared().requests());
        assertEquals(0.0, c.maxMetricDifference());
        List<LoglikelihoodScorer.EncodedPair> all = byDocument(requests(Tasks.byName("arc_easy"), 0, null)).stream()
                .flatMap(List::stream).toList();
        assertEquals(new LoglikelihoodScorer(gqa.model()).tokensRun(all), c.sharedTokens());
        assertEquals(new LoglikelihoodScorer(gqa.model(), false).tokensRun(all), c.aloneTokens());
        assertTrue(c.sharedTokens() < c.aloneTokens());
        assertTrue(c.sharedCpuSeconds() > 0 && c.aloneCpuSeconds() > 0);
    }

    @Test
    void hooksThatDoNotDeclareThemselvesTokenwiseTurnSharingOff() {
        LlamaModel model = gqa.model();
        long[] context = new long[40];
        for (int i = 0; i < context.length; i++) {
            context[i] = 3 + (i * 17) % 250;
        }
        List<LoglikelihoodScorer.EncodedPair> group = List.of(
                new LoglikelihoodScorer.EncodedPair(context, new long[] {5, 6}),
                new LoglikelihoodScorer.EncodedPair(context, new long[] {8, 9}));
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(model);
        assertTrue(model.tokenwise());
        // a per-tensor scale over the call's tokens: splitting the call would change it
        ForwardHook perTensor = new ForwardHook() {
            @Override
            public NDArray linearInput(org.lmqt.checkpoint.MatrixKey key, NDArray x) {
                return x.div(x.abs().max()).mul(x.abs().max());
            }
        };
        try (ForwardHook.Registration r = model.addHook(perTensor)) {
            assertFalse(model.tokenwise());
            assertFalse(scorer.sharesPrefixes());
            assertEquals(41 + 41, scorer.tokensRun(group));
            List<LoglikelihoodScorer.Loglikelihood> together = scorer.score(group);
            for (int i = 0; i < group.size(); i++) {
                assertEquals(scorer.score(group.get(i)), together.get(i));
            }
        }
        ForwardHook observer = new ForwardHook() {
            @Override
            public boolean tokenwise() {
                return true;
            }
        };
        try (ForwardHook.Registration r = model.addHook(observer)) {
            assertTrue(scorer.sharesPrefixes());
            assertEquals(39 + 2 + 2, scorer.tokensRun(group));
        }
    }

    @Test
    void aQuantizedKvCacheScoresEachRequestAlone() {
        LlamaModel model = gqa.model();
        KvPolicy kivi = KvMethods.parse("kivi2-g16-r32");
        long[] context = new long[63];
        for (int i = 0; i < context.length; i++) {
            context[i] = 3 + (i * 11) % 250;
        }
        List<LoglikelihoodScorer.EncodedPair> group = List.of(
                new LoglikelihoodScorer.EncodedPair(context, new long[] {5, 6, 7}),
                new LoglikelihoodScorer.EncodedPair(context, new long[] {8, 9}));
        model.setKvPolicy(kivi);
        try {
            LoglikelihoodScorer scorer = sharing(model);
            assertFalse(scorer.sharesPrefixes());
            assertEquals(65 + 64, scorer.tokensRun(group));
            List<LoglikelihoodScorer.Loglikelihood> together = scorer.score(group);
            for (int i = 0; i < group.size(); i++) {
                assertEquals(scorer.score(group.get(i)), together.get(i), "request " + i);
            }
            // why: KIVI's prefill of the prefix and a later call of the rest differ from one prefill of both (a
            // prefill of 62 tokens quantizes the keys of 32, one of all 65 those of 64; the values of 30 and 33)
            double split;
            try (KvCache cache = model.newCache(true); NDScope scope = new NDScope()) {
                model.hidden(java.util.Arrays.copyOf(context, 62), cache);
                long[] rest = {context[62], 5, 6};
                float[] logits = model.head(model.hidden(rest, cache)).toFloatArray();   // [3, vocab]
                int vocab = model.vocabSize();
                split = LoglikelihoodScorer.logSoftmaxAt(logits, 0, vocab, 5)
                        + LoglikelihoodScorer.logSoftmaxAt(logits, vocab, vocab, 6)
                        + LoglikelihoodScorer.logSoftmaxAt(logits, 2 * vocab, vocab, 7);
            }
            assertTrue(Math.abs(split - together.get(0).logprob()) > 10 * PER_TOKEN * 3,
                    "a KIVI prefix plus continuation " + split + " vs one prefill " + together.get(0).logprob());
        } finally {
            model.setKvPolicy(KvPolicy.EXACT);
        }
        // the exact cache shares the same group
        LoglikelihoodScorer exact = sharing(model);
        assertTrue(exact.sharesPrefixes());
        assertEquals(62 + 3 + 2, exact.tokensRun(group));
        compare(model, group, "exact cache");
    }
}
