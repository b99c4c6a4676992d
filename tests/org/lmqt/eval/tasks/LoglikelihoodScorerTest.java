package org.lmqt.eval.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.LoadedModel;

/**
 * The scorer against a plain log-softmax sum over {@link LlamaModel#logits} of the tiny GQA model (token ids, the
 * fixture has no tokenizer), and lm-eval's pair encoding with a stand-in tokenizer.
 */
class LoglikelihoodScorerTest {
    private static LoadedModel loaded;

    @BeforeAll
    static void open() {
        loaded = LoadedModel.open(TestData.shared("fixtures/llama/tiny-llama-gqa-bf16").toString(), ComputeDevice.CPU);
    }

    @AfterAll
    static void close() {
        loaded.close();
    }

    /** Sum of log-softmax of {@code logits((context + continuation)[:-1])} at the continuation, and its greediness. */
    private static double[] reference(long[] context, long[] continuation) {
        long[] all = new long[context.length + continuation.length];
        System.arraycopy(context, 0, all, 0, context.length);
        System.arraycopy(continuation, 0, all, context.length, continuation.length);
        float[] logits = loaded.model().logits(Arrays.copyOf(all, all.length - 1)); // [T - 1, V]
        int vocab = loaded.model().vocabSize();
        double sum = 0;
        boolean greedy = true;
        for (int i = 0; i < continuation.length; i++) {
            int row = (context.length + i - 1) * vocab;
            double max = Double.NEGATIVE_INFINITY;
            int argmax = 0;
            for (int v = 0; v < vocab; v++) {
                if (logits[row + v] > max) {
                    max = logits[row + v];
                    argmax = v;
                }
            }
            double z = 0;
            for (int v = 0; v < vocab; v++) {
                z += Math.exp(logits[row + v] - max);
            }
            sum += logits[row + (int) continuation[i]] - max - Math.log(z);
            greedy &= argmax == continuation[i];
        }
        return new double[] {sum, greedy ? 1 : 0};
    }

    @Test
    void loglikelihoodIsTheLogSoftmaxSumOfTheFullForward() {
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(loaded.model());
        long[] context = {1, 17, 200, 3, 45, 45, 99};
        long[][] continuations = {{7}, {7, 250, 12}, {131, 2}};
        for (long[] continuation : continuations) {
            LoglikelihoodScorer.Loglikelihood got = scorer.score(new LoglikelihoodScorer.EncodedPair(context,
                    continuation));
            double[] want = reference(context, continuation);
            assertEquals(want[0], got.logprob(), 1e-5 * Math.abs(want[0]), "continuation of " + continuation.length);
            assertEquals(want[1] == 1, got.greedy());
        }
    }

    @Test
    void greedyContinuationIsRecognized() {
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(loaded.model());
        long[] context = {1, 40, 41, 42};
        float[] logits = loaded.model().logits(context);
        int vocab = loaded.model().vocabSize();
        long best = LoglikelihoodScorer.firstArgmax(logits, (context.length - 1) * vocab, vocab);
        assertTrue(scorer.score(new LoglikelihoodScorer.EncodedPair(context, new long[] {best})).greedy());
        long other = (best + 1) % vocab;
        assertFalse(scorer.score(new LoglikelihoodScorer.EncodedPair(context, new long[] {other})).greedy());
    }

    @Test
    void longInputsAreTruncatedOnTheLeft() {
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(loaded.model());
        int max = loaded.model().config().maxPositions();
        long[] context = new long[max + 10];
        for (int i = 0; i < context.length; i++) {
            context[i] = 3 + (i * 7) % 250;
        }
        long[] continuation = {9, 11};
        long[] kept = Arrays.copyOfRange(context, context.length - (max - 1), context.length);
        double[] want = reference(kept, continuation);
        assertEquals(want[0], scorer.score(new LoglikelihoodScorer.EncodedPair(context, continuation)).logprob(),
                1e-5 * Math.abs(want[0]));
    }

    /** A stand-in tokenizer: BOS 1, then one id per space-led word (a word and its leading spaces merge). */
    private static final Function<String, long[]> WORDS = text -> {
        List<Long> ids = new ArrayList<>(List.of(1L));
        Matcher m = Pattern.compile("\\s*\\S+|\\s+$").matcher(text);
        while (m.find()) {
            ids.add((long) (2 + Math.floorMod(m.group().hashCode(), 250)));
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    };

    @Test
    void pairEncodingMovesTrailingSpaceAndSplitsTheJointTokenization() {
        LoglikelihoodScorer.EncodedPair moved = LoglikelihoodScorer.encodePair("Answer: ", "yes", WORDS);
        assertArrayEquals(WORDS.apply("Answer:"), moved.context());
        assertArrayEquals(new long[] {WORDS.apply(" yes")[1]}, moved.continuation());
        // the continuation merges into the context's last word: its tokens are what follows the context's count
        LoglikelihoodScorer.EncodedPair merged = LoglikelihoodScorer.encodePair("Question: x", "y z", WORDS);
        assertArrayEquals(WORDS.apply("Question: x"), merged.context());
        assertArrayEquals(new long[] {WORDS.apply(" z")[1]}, merged.continuation());
    }
}
