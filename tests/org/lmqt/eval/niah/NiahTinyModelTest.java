package org.lmqt.eval.niah;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.eval.EvalText;
import org.lmqt.model.ByteLevelTokenizerJson;
import org.lmqt.model.Generator;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.Sampling;
import org.lmqt.model.StopTokens;
import org.lmqt.serve.ChatTemplate;
import org.lmqt.serve.TinyServedModel;

/**
 * End to end on a tiny random Llama with the shipped Moby-Dick chapter: a row for every cell, each the model's greedy
 * answer to the prompt the grid built (a random model does not find the needle; the mechanics are what is tested).
 */
class NiahTinyModelTest {
    @TempDir
    static Path dir;
    private static LoadedModel model;

    @BeforeAll
    static void load() {
        model = TinyServedModel.load(dir.resolve("tiny"), 512);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void everyCellGetsTheModelsGreedyAnswerAndAHeatMap() throws Exception {
        TokenCodec codec = TokenCodec.of(model.requireTokenizer());
        NeedleSpec spec = NeedleSpec.SAN_FRANCISCO;
        String text = EvalText.plain(TestData.root().resolve("data/corpus/moby-dick-chapter-1.txt"));
        NiahRun grid = new NiahRun(List.of(160, 320), List.of(0.0, 50.0, 100.0), 6);
        Haystack hay = Haystack.of(codec, text, spec.insertedText(), grid.maxLength());
        // byte-level: one token per byte, so the needle's tokens are its UTF-8 bytes
        assertEquals(spec.insertedText().length(), hay.needleLength());
        NiahPrompt prompt = NiahPrompt.of(codec, Optional.of(ChatTemplate.of(model.dir())), Optional.empty(),
                spec);
        Path csv = dir.resolve("out/niah.csv");
        List<NiahRow> rows = grid.run(hay, prompt, spec, Responder.greedy(model.model(), codec, false), model.shortId(),
                "none", csv, () -> { });
        assertEquals(6, rows.size());
        for (NiahRow r : rows) {
            Placement p = hay.place(r.length(), r.depth());
            long[] ids = prompt.ids(p);
            // plain prompt (the tiny model has no chat template): BOS, the context, the question
            assertEquals(ByteLevelTokenizerJson.BOS_ID, ids[0]);
            assertEquals(r.length() + prompt.overhead(), r.promptTokens());
            assertEquals(ids.length, r.promptTokens());
            long[] out = new Generator(model.model()).generate(ids, 6, Sampling.GREEDY, StopTokens.eos(model.model()),
                    id -> { });
            assertEquals(model.requireTokenizer().decode(out), r.answer());
            assertEquals(NiahScore.of(r.answer(), spec).substring() ? 1 : 0, r.score());
        }
        assertEquals(rows, NiahCsv.read(csv));
        // the tokenizer round trip keeps the needle where it was placed
        Placement mid = hay.place(320, 50);
        String context = codec.decode(mid.ids());
        assertTrue(context.contains(spec.insertedText()), context);
        assertArrayEquals(codec.encode(spec.insertedText(), false), java.util.Arrays.copyOfRange(mid.ids(),
                mid.needleStart(), mid.needleStart() + mid.needleLength()));
        assertTrue(codec.decode(java.util.Arrays.copyOf(mid.ids(), mid.needleStart())).stripTrailing().endsWith("."));
        Path html = NiahHeatMap.build(rows, spec.style(), model.shortId(), "none").write(dir.resolve("out")).get(0);
        assertTrue(Files.size(html) > 0);
    }
}
