package org.lmqt.eval.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lmqt.TestData;

/**
 * Every fixture of {@code ../shared/fixtures/lm-eval/fixtures.json}: the requests equal lm-eval's string for string
 * and in order, the few-shot rows are the ones lm-eval drew, and the metrics computed from the fixture's
 * loglikelihood table equal lm-eval's.
 */
class LmEvalFixturesTest {
    private static final Path DIR = TestData.shared("fixtures/lm-eval");
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<String> fixtures() throws IOException {
        List<String> names = new ArrayList<>();
        for (JsonNode f : JSON.readTree(DIR.resolve("fixtures.json").toFile()).get("fixtures")) {
            names.add(f.get("fixture").asText());
        }
        assertEquals(13, names.size(), "fixtures listed");
        return names.stream();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void requestsAreLmEvals(String fixture) throws IOException {
        JsonNode entry = entry(fixture);
        TaskRequests built = build(Tasks.byName(entry.get("task").asText()), entry);
        List<JsonNode> expected = new ArrayList<>();
        for (String line : Files.readAllLines(DIR.resolve(entry.get("requests").asText()))) {
            if (!line.isBlank()) {
                expected.add(JSON.readTree(line));
            }
        }
        assertEquals(expected.size(), built.requests().size(), "request count");
        for (int i = 0; i < expected.size(); i++) {
            JsonNode e = expected.get(i);
            Request r = built.requests().get(i);
            assertEquals(new Request(e.get("doc_id").asInt(), e.get("idx").asInt(), e.get("context").asText(),
                    e.get("continuation").asText()), r, "request " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void metricsAndFewshotRowsAreLmEvals(String fixture) throws IOException {
        JsonNode entry = entry(fixture);
        LoglikelihoodTask<?> task = Tasks.byName(entry.get("task").asText());
        TaskRequests built = build(task, entry);
        JsonNode scores = JSON.readTree(DIR.resolve(entry.get("scores").asText()).toFile());
        List<Double> ll = new ArrayList<>();
        List<Boolean> greedy = new ArrayList<>();
        JsonNode docs = scores.get("docs");
        assertEquals(built.docs().size(), docs.size(), "documents");
        for (int d = 0; d < docs.size(); d++) {
            JsonNode doc = docs.get(d);
            if (doc.has("loglikelihood")) {
                ll.add(doc.get("loglikelihood").asDouble());
                greedy.add(doc.get("is_greedy").asBoolean());
            } else {
                doc.get("loglikelihoods").forEach(v -> ll.add(v.asDouble()));
                doc.get("is_greedy").forEach(v -> greedy.add(v.asBoolean()));
                ChoiceScore score = ChoiceScore.of(built.docs().get(d), doubles(doc.get("loglikelihoods")));
                assertEquals(doc.get("gold").asInt(), score.gold(), "gold of doc " + d);
                assertEquals(doc.get("pred").asInt(), score.pred(), "pred of doc " + d);
                assertEquals(doc.get("pred_norm").asInt(), score.predNorm(), "pred_norm of doc " + d);
                assertEquals(doc.get("acc").asDouble(), score.acc(), "acc of doc " + d);
                if (doc.has("acc_norm")) {
                    assertEquals(doc.get("acc_norm").asDouble(), score.accNorm(), "acc_norm of doc " + d);
                }
            }
            if (doc.has("fewshot_pool_indices")) {
                assertArrayEquals(ints(doc.get("fewshot_pool_indices")), built.fewshot().get(d), "pool rows, doc " + d);
            } else {
                assertEquals(0, built.fewshot().get(d).length, "no few-shot rows for doc " + d);
            }
        }
        boolean[] flags = new boolean[greedy.size()];
        for (int i = 0; i < flags.length; i++) {
            flags[i] = greedy.get(i);
        }
        Map<String, Double> metrics = TaskMetrics.aggregate(task, built,
                ll.stream().mapToDouble(Double::doubleValue).toArray(), flags);
        JsonNode expected = scores.get("metrics");
        assertEquals(expected.size(), metrics.size(), "metrics " + metrics.keySet());
        expected.properties().forEach(m -> {
            double want = m.getValue().asDouble();
            assertEquals(want, metrics.get(m.getKey()), Math.abs(want) * 1e-12, m.getKey());
        });
    }

    private static JsonNode entry(String fixture) throws IOException {
        for (JsonNode f : JSON.readTree(DIR.resolve("fixtures.json").toFile()).get("fixtures")) {
            if (f.get("fixture").asText().equals(fixture)) {
                return f;
            }
        }
        throw new IllegalArgumentException(fixture);
    }

    private static <D> TaskRequests build(LoglikelihoodTask<D> task, JsonNode entry) {
        List<D> docs = Documents.read(task, DIR.resolve(entry.get("docs").asText()));
        int shots = entry.get("num_fewshot").asInt();
        if (shots == 0) {
            return TaskRequests.zeroShot(task, docs);
        }
        assertEquals(entry.get("sampler").asText().equals("first_n"), task.sampler() == FewshotSampler.Kind.FIRST_N);
        List<D> pool = Documents.read(task, DIR.resolve(entry.get("fewshot_docs").asText()));
        return TaskRequests.build(task, docs, pool, shots, 1234);
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
