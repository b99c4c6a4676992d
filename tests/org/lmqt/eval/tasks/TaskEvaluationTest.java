package org.lmqt.eval.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.LoadedModel;

/** A whole task on a model: the fixture's requests, each scored, aggregated by the task's metrics. */
class TaskEvaluationTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static Path fixture(String f) {
        return TestData.shared("fixtures/lm-eval/" + f);
    }

    /** UTF-8 bytes as ids after a BOS, within the tiny model's 256 ids. */
    private static final Function<String, long[]> BYTES = text -> {
        byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long[] ids = new long[b.length + 1];
        ids[0] = 1;
        for (int i = 0; i < b.length; i++) {
            ids[i + 1] = (b[i] & 0xff) % 253 + 3;
        }
        return ids;
    };

    @Test
    void scoresEveryRequestAndAggregatesWithTheTasksMetrics() {
        LoglikelihoodTask<?> task = Tasks.byName("hellaswag");
        TaskEvaluation eval = new TaskEvaluation(task, 2, 1234);
        Optional<Path> pool = Optional.of(fixture("hellaswag.train.jsonl"));
        try (LoadedModel m = LoadedModel.open(TestData.shared("fixtures/llama/tiny-llama-gqa-bf16").toString(),
                ComputeDevice.CPU)) {
            int[] seen = {0};
            TaskEvaluation.Outcome o = eval.run(m.model(), BYTES, fixture("hellaswag.jsonl"), pool, Optional.empty(),
                    i -> seen[0]++);
            // the same requests as the fixture's 2-shot ones, scored one by one, then aggregated
            HellaswagTask hellaswag = new HellaswagTask();
            TaskRequests built = TaskRequests.build(hellaswag, Documents.read(hellaswag, fixture("hellaswag.jsonl")),
                    Documents.read(hellaswag, fixture("hellaswag.train.jsonl")), 2, 1234);
            List<Request> requests = built.requests();
            assertEquals(requests.size(), o.requests());
            assertEquals(requests.size(), seen[0]);
            assertEquals(3, o.documents());
            LoglikelihoodScorer scorer = new LoglikelihoodScorer(m.model());
            double[] ll = new double[requests.size()];
            boolean[] greedy = new boolean[requests.size()];
            for (int i = 0; i < ll.length; i++) {
                var s = scorer.score(requests.get(i), BYTES);
                ll[i] = s.logprob();
                greedy[i] = s.greedy();
            }
            assertEquals(TaskMetrics.aggregate(task, built, ll, greedy), o.metrics());
            assertTrue(o.metrics().containsKey("acc_norm"));
        }
    }

    @Test
    void fewShotWithoutAPoolIsAOneLineErrorAndLimitCutsTheDocuments() {
        TaskEvaluation eval = new TaskEvaluation(Tasks.byName("arc_easy"), 3, 1234);
        UserException e = assertThrows(UserException.class,
                () -> eval.requests(fixture("arc_easy.jsonl"), Optional.empty(), Optional.empty()));
        assertTrue(e.getMessage().contains("--fewshot-data"), e.getMessage());
        TaskEvaluation zeroShot = new TaskEvaluation(Tasks.byName("arc_easy"), 0, 1234);
        int all = zeroShot.requests(fixture("arc_easy.jsonl"), Optional.empty(), Optional.empty());
        int first = zeroShot.requests(fixture("arc_easy.jsonl"), Optional.empty(), Optional.of(1));
        assertTrue(first > 0 && first < all, first + " requests of the first document, " + all + " of all");
    }
}
