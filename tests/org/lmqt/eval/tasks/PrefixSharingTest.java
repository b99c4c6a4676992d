package org.lmqt.eval.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDScope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.device.ComputeDevice;
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

    /** Shared and alone scores of {@code group} agree; returns the largest |difference| per scored token. */
    private static double compare(LlamaModel model, List<LoglikelihoodScorer.EncodedPair> group, String what) {
        LoglikelihoodScorer shared = new LoglikelihoodScorer(model, true);
        LoglikelihoodScorer alone = new LoglikelihoodScorer(model, false);
        assertEquals(0, alone.sharedPrefix(group));
        List<LoglikelihoodScorer.Loglikelihood> s = shared.score(group);
        List<LoglikelihoodScorer.Loglikelihood> a = alone.score(group);
        double worst = 0;
        double[] llShared = new double[group.size()];
        double[] llAlone = new double[group.size()];
        for (int i = 0; i < group.size(); i++) {
            int targets = group.get(i).continuation().length;
            double diff = Math.abs(s.get(i).logprob() - a.get(i).logprob());
            assertTrue(diff <= PER_TOKEN * targets, what + " request " + i + ": |" + s.get(i).logprob() + " - "
                    + a.get(i).logprob() + "| over " + targets + " tokens");
            assertEquals(a.get(i).greedy(), s.get(i).greedy(), what + " request " + i + " is_greedy");
            worst = Math.max(worst, diff / targets);
            llShared[i] = s.get(i).logprob();
            llAlone[i] = a.get(i).logprob();
        }
        assertEquals(ChoiceScore.argmax(llAlone), ChoiceScore.argmax(llShared), what + " prediction");
        return worst;
    }

    @Test
    void fixtureRequestsScoreAlikeSharedOrAlone() {
        Object[][] cases = {
                {"arc_easy", 0, null}, {"arc_easy", 3, "arc_easy.train.jsonl"}, {"arc_challenge", 0, null},
                {"hellaswag", 0, null}, {"hellaswag", 2, "hellaswag.train.jsonl"}, {"piqa", 0, null},
                {"winogrande", 0, null}, {"winogrande", 2, "winogrande.train.jsonl"}, {"boolq", 0, null},
                {"openbookqa", 0, null}, {"mmlu_abstract_algebra", 5, "mmlu_abstract_algebra.dev.jsonl"}};
        double worst = 0;
        int sharedGroups = 0;
        int truncatedGroups = 0;
        for (LoadedModel m : List.of(gqa, mha)) {
            LoglikelihoodScorer scorer = new LoglikelihoodScorer(m.model());
            for (Object[] c : cases) {
                TaskRequests built = requests(Tasks.byName((String) c[0]), (Integer) c[1], (String) c[2]);
                List<List<LoglikelihoodScorer.EncodedPair>> docs = byDocument(built);
                for (int d = 0; d < docs.size(); d++) {
                    String what = m.shortId() + " " + c[0] + " " + c[1] + "-shot doc " + d;
                    worst = Math.max(worst, compare(m.model(), docs.get(d), what));
                    int shared = scorer.sharedPrefix(docs.get(d));
                    if (shared > 1) {
                        sharedGroups++;
                    } else {
                        truncatedGroups++;
                    }
                }
            }
        }
        System.out.printf("prefix sharing: max |shared - alone| per token %.3g over %d shared and %d unshared groups%n",
                worst, sharedGroups, truncatedGroups);
        assertTrue(sharedGroups >= 40, sharedGroups + " documents shared a prefix");
    }

    @Test
    void thePrefixStopsBeforeTheFirstScoredTokenAndTruncationBreaksIt() {
        LlamaModel model = gqa.model();
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(model);
        long[] context = {1, 17, 200, 3, 45, 45, 99};
        // one continuation is the start of another: the shared part ends where the shorter one's scoring starts
        List<LoglikelihoodScorer.EncodedPair> nested = List.of(
                new LoglikelihoodScorer.EncodedPair(context, new long[] {7}),
                new LoglikelihoodScorer.EncodedPair(context, new long[] {7, 250, 12}),
                new LoglikelihoodScorer.EncodedPair(context, new long[] {131, 2}));
        assertEquals(context.length - 1, scorer.sharedPrefix(nested));
        compare(model, nested, "nested continuations");
        // winogrande's shape: contexts that part after a common start, one continuation
        List<LoglikelihoodScorer.EncodedPair> options = List.of(
                new LoglikelihoodScorer.EncodedPair(new long[] {1, 30, 31, 32, 60, 61}, new long[] {40, 41, 42}),
                new LoglikelihoodScorer.EncodedPair(new long[] {1, 30, 31, 32, 70}, new long[] {40, 41, 42}));
        assertEquals(4, scorer.sharedPrefix(options));
        compare(model, options, "winogrande-like options");
        // contexts longer than the model: left truncation by different amounts shifts the inputs apart
        int max = model.config().maxPositions();
        long[] longContext = new long[max + 10];
        for (int i = 0; i < longContext.length; i++) {
            longContext[i] = 3 + (i * 7) % 250;
        }
        List<LoglikelihoodScorer.EncodedPair> truncated = List.of(
                new LoglikelihoodScorer.EncodedPair(longContext, new long[] {9}),
                new LoglikelihoodScorer.EncodedPair(longContext, new long[] {9, 11, 13}));
        assertEquals(0, scorer.sharedPrefix(truncated));
        compare(model, truncated, "truncated");
        // truncation by the same amount keeps the start common
        List<LoglikelihoodScorer.EncodedPair> sameCut = List.of(
                new LoglikelihoodScorer.EncodedPair(longContext, new long[] {9, 11}),
                new LoglikelihoodScorer.EncodedPair(longContext, new long[] {21, 11}));
        assertEquals(max - 2, scorer.sharedPrefix(sameCut));
        compare(model, sameCut, "same cut");
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
            LoglikelihoodScorer scorer = new LoglikelihoodScorer(model);
            assertFalse(scorer.sharesPrefixes());
            assertEquals(0, scorer.sharedPrefix(group));
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
        LoglikelihoodScorer exact = new LoglikelihoodScorer(model);
        assertTrue(exact.sharesPrefixes());
        assertEquals(context.length - 1, exact.sharedPrefix(group));
        compare(model, group, "exact cache");
    }
}
