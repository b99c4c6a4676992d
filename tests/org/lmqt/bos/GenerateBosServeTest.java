package org.lmqt.bos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.io.PandasCsv;
import org.lmqt.io.TextRecords;
import org.lmqt.model.LoadedModel;
import org.lmqt.serve.ChatTemplate;
import org.lmqt.serve.OpenAiServer;
import org.lmqt.serve.ServeSettings;
import org.lmqt.serve.TinyServedModel;

/** generate-bos end to end against the real {@code serve} server on a tiny model (its answers are gibberish). */
class GenerateBosServeTest {
    @TempDir
    static Path tmp;
    static LoadedModel model;
    static OpenAiServer server;

    @BeforeAll
    static void start() {
        model = TinyServedModel.load(tmp.resolve("tiny"), 512); // byte-level: a prompt is ~200 tokens
        server = OpenAiServer.start(model.model(), model.requireTokenizer(), ChatTemplate.of(model.dir()),
                ServeSettings.loopback("tiny").withApiKey("token-abc123"));
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    private static BosGenerator generator(BosGenerator.Settings s, PrintStream log) {
        return new BosGenerator(s, new CompletionClient(new CompletionClient.Endpoint(server.baseUrl(),
                Optional.of("token-abc123"), "tiny", 0.6, 80, OptionalLong.of(7), Duration.ofSeconds(60), 1,
                Duration.ofMillis(10))), log);
    }

    @Test
    void theShippedTinyTopicsRunEndToEndAndGibberishIsCopedWith() throws Exception {
        Path topics = Path.of(System.getProperty("lmqt.root", ".")).resolve("data/bos/topics-tiny.txt");
        Path out = tmp.resolve("run1");
        BosGenerator.Settings s = new BosGenerator.Settings("tiny", "lmqt", true, topics, out.resolve("results"),
                out, 2);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BosGenerator.Summary sum = generator(s, new PrintStream(log, true, StandardCharsets.UTF_8)).run();
        assertEquals(2, sum.topics());
        // level 1 was asked for both topics and its raw answers kept; the CSV exists with its header
        assertTrue(Files.exists(out.resolve("results/output-l1-Math-tiny-lmqt.log")));
        assertTrue(Files.exists(out.resolve("results/output-l1-Physics-tiny-lmqt.log")));
        assertEquals(List.of("Math", "Physics"), TextRecords.csvColumn(s.plan(), "topic").stream().distinct().toList());
        assertTrue(Files.readString(s.output()).startsWith("topic,text,timestamp\n"));
        assertEquals(sum.records(), BosCsv.read(s.output()).size());
    }

    @Test
    void levelTwoAnswersOfTheServerBecomeARereadableCalibrationSet() throws Exception {
        // the tiny model never numbers a list, so the sub-topics are given as a resumed run's sub-topics file
        Path out = tmp.resolve("run2");
        Files.createDirectories(out);
        Path topics = out.resolve("topics.txt");
        Files.writeString(topics, "\"Math\":2\n");
        BosGenerator.Settings s = new BosGenerator.Settings("tiny", "lmqt", true, topics, out.resolve("results"),
                out, 1);
        Files.writeString(s.plan(), "topic,subtopic\nMath,Algebra\nMath,\"Graph theory, applied\"\n");
        generator(s, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).run();
        // every line of >= 60 characters of the raw answers is a row, in order, and reads back unchanged
        List<String> expected = new ArrayList<>();
        for (String sub : List.of("Algebra", "Graph-theory,-applied")) {
            String raw = Files.readString(out.resolve("results/output-" + sub + "-tiny-lmqt.log"));
            expected.addAll(BosPrompts.recordLines(raw));
        }
        List<BosRecord> rows = BosCsv.read(s.output());
        assertEquals(expected, rows.stream().map(BosRecord::text).toList());
        assertFalse(expected.isEmpty(), "the tiny model's answers have long lines");
        assertEquals(expected, org.lmqt.calib.CalibrationData.records(s.output().toString()),
                "dump-sensi --calib-dataset reads the text column");
        assertEquals(expected.size(), PandasCsv.read(s.output()).rowCount(), "pandas-style reader agrees");
    }
}
