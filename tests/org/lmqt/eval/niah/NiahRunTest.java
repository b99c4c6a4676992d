package org.lmqt.eval.niah;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.UserException;
import org.lmqt.plot.Browser;
import org.lmqt.plot.RenderResult;
import org.lmqt.report.Chart;
import org.lmqt.report.TidyCsv;

/** The grid with stand-in models: one that copies the needle, one that misses; resuming; the heat map. */
class NiahRunTest {
    private static final CharCodec CODEC = new CharCodec();
    private static final NeedleSpec SF = NeedleSpec.SAN_FRANCISCO;
    private static final String HAY = "Call me Ishmael. Some years ago I thought I would sail about. It is a way I "
            + "have of driving off the spleen.\n\n";

    @TempDir
    Path tmp;

    /** Answers with the line of the prompt that holds "San Francisco is" (the needle), as a perfect model would. */
    private static class Copier implements Responder {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String answer(long[] prompt, int maxNewTokens) {
            calls.incrementAndGet();
            return CODEC.decode(prompt).lines().filter(l -> l.contains("San Francisco is")).findFirst().orElse("?");
        }

        @Override
        public int maxPositions() {
            return 4096;
        }
    }

    private final NiahRun grid = new NiahRun(List.of(300, 200, 400), Haystack.depths(25), 8);
    private final Haystack haystack = Haystack.of(CODEC, HAY, SF.insertedText(), grid.maxLength());
    private final NiahPrompt prompt = NiahPrompt.of(CODEC, Optional.empty(), Optional.empty(), SF);

    @Test
    void aModelThatCopiesTheNeedleScoresEveryCellAndOneThatDoesNotScoresNone() {
        Path csv = tmp.resolve("niah.csv");
        Copier copier = new Copier();
        AtomicInteger seen = new AtomicInteger();
        List<NiahRow> rows = grid.run(haystack, prompt, SF, copier, "copier", "none", csv, seen::incrementAndGet);
        assertEquals(15, rows.size());
        assertEquals(15, seen.get());
        assertEquals(List.of(200, 300, 400), rows.stream().map(NiahRow::length).distinct().toList());
        for (NiahRow r : rows) {
            assertEquals(1, r.score(), r.toString());
            assertEquals(1, r.exactMatch(), r.toString());
            assertEquals(SF.needle(), r.answer());
            assertEquals(r.length() + prompt.overhead(), r.promptTokens());
        }
        Responder parrot = new Responder() {
            @Override
            public String answer(long[] p, int maxNewTokens) {
                return "Call me Ishmael.";
            }

            @Override
            public int maxPositions() {
                return 4096;
            }
        };
        List<NiahRow> all = grid.run(haystack, prompt, SF, parrot, "parrot", "hqq b4g64", csv, () -> { });
        assertEquals(30, all.size());
        assertTrue(all.stream().filter(r -> r.model().equals("parrot")).allMatch(r -> r.score() == 0
                && r.exactMatch() == 0));
        assertEquals(all, NiahCsv.read(csv));
    }

    @Test
    void aRerunSkipsFinishedCellsAndRunsOnlyTheMissingOnes() {
        Path csv = tmp.resolve("niah.csv");
        // a run killed after 4 cells: the file holds those 4
        Copier dying = new Copier() {
            @Override
            public String answer(long[] p, int maxNewTokens) {
                if (calls.get() == 4) {
                    throw new IllegalStateException("killed");
                }
                return super.answer(p, maxNewTokens);
            }
        };
        assertThrows(IllegalStateException.class,
                () -> grid.run(haystack, prompt, SF, dying, "copier", "none", csv, () -> { }));
        assertEquals(4, NiahCsv.read(csv).size());
        Copier rest = new Copier();
        List<NiahRow> rows = grid.run(haystack, prompt, SF, rest, "copier", "none", csv, () -> { });
        assertEquals(11, rest.calls.get());
        assertEquals(15, rows.size());
        Copier again = new Copier();
        grid.run(haystack, prompt, SF, again, "copier", "none", csv, () -> { });
        assertEquals(0, again.calls.get());
    }

    @Test
    void aGridTheModelCannotHoldIsRefusedBeforeAnythingRuns() {
        Copier small = new Copier() {
            @Override
            public int maxPositions() {
                return 400;
            }
        };
        UserException e = assertThrows(UserException.class,
                () -> grid.run(haystack, prompt, SF, small, "copier", "none", tmp.resolve("x.csv"), () -> { }));
        assertTrue(e.getMessage().contains("the model has 400"), e.getMessage());
        assertEquals(0, small.calls.get());
        assertTrue(Files.notExists(tmp.resolve("x.csv")));
    }

    @Test
    void theHeatMapHasACellPerLengthAndDepthAndRendersInABrowser() throws Exception {
        Path csv = tmp.resolve("niah.csv");
        List<NiahRow> rows = grid.run(haystack, prompt, SF, new Copier(), "copier", "hqq b4g64", csv, () -> { });
        Chart chart = NiahHeatMap.build(rows, NeedleSpec.Style.QUESTION, "copier", "hqq b4g64");
        assertEquals("niah-copier-hqq_b4g64", chart.name());
        List<Path> files = chart.write(tmp);
        String html = Files.readString(files.get(0));
        assertTrue(html.contains("\"type\":\"heatmap\""), "a Plotly heatmap trace");
        assertTrue(!html.contains("<script src") && html.length() > 5_000_000, "plotly.js inlined (offline)");
        var tidy = TidyCsv.read(files.get(1));
        assertEquals(15, tidy.rowCount());
        assertTrue(tidy.stringColumn("score").asList().stream().allMatch("1"::equals));
        var z = chart.figure().traces().get(0).toJson().get("z");
        assertEquals(5, z.size());          // depths 0, 25, 50, 75, 100
        assertEquals(3, z.get(0).size());   // lengths 200, 300, 400
        RenderResult r = Browser.require().render(files.get(0));
        assertTrue(r.svg(), "no Plotly SVG");
        assertTrue(r.rendered());
        assertEquals(List.of(), r.errors());
        assertEquals(1, r.plotlyTraces());
    }

    @Test
    void thePasskeyTestInItsFillerScoresAModelThatReadsTheKey() {
        NeedleSpec key = NeedleSpec.passkey(NeedleSpec.passkeyFor(5));
        Haystack filler = Haystack.of(CODEC, NeedleSpec.PASSKEY_FILLER + " ", key.insertedText(), grid.maxLength());
        NiahPrompt ask = NiahPrompt.of(CODEC, Optional.empty(), Optional.empty(), key);
        Responder reader = new Responder() {
            @Override
            public String answer(long[] p, int maxNewTokens) {
                // completes "The pass key is" with the number of the needle line
                String line = CODEC.decode(p).lines().filter(l -> l.startsWith("The pass key is ")).findFirst()
                        .orElse("");
                return " " + line.replaceAll("\\D*(\\d+).*", "$1") + ".";
            }

            @Override
            public int maxPositions() {
                return 4096;
            }
        };
        List<NiahRow> rows = grid.run(filler, ask, key, reader, "reader", "none", tmp.resolve("passkey.csv"),
                () -> { });
        assertEquals(15, rows.size());
        assertTrue(rows.stream().allMatch(r -> r.score() == 1 && r.exactMatch() == 1), rows.toString());
        Chart chart = NiahHeatMap.build(rows, key.style(), "reader", "none");
        assertEquals("passkey-reader-none", chart.name());
        assertTrue(chart.figure().title().startsWith("Passkey retrieval"));
    }
}
