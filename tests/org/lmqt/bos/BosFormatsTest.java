package org.lmqt.bos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.UserException;
import org.lmqt.io.TextRecords;

/** The topics file, the answers' parsing, the CSV and its split. */
class BosFormatsTest {
    @TempDir
    Path tmp;

    @Test
    void topicsFileAsTheOriginalReadsIt() throws Exception {
        Path f = tmp.resolve("topics.txt");
        Files.writeString(f, "\"Math\":15\n\n\"Computer Science\":  3  \nLaw:2\n");
        assertEquals(List.of(new Topic("Math", 15), new Topic("Computer Science", 3), new Topic("Law", 2)),
                Topic.read(f));
        Files.writeString(f, "\"Math\":15\n\"Art\" 10\n");
        UserException e = assertThrows(UserException.class, () -> Topic.read(f));
        assertTrue(e.getMessage().contains("topics.txt:2:"), e.getMessage());
        Files.writeString(f, "\"Math\":many\n");
        assertThrows(UserException.class, () -> Topic.read(f));
        List<Topic> shipped = Topic.read(Path.of(System.getProperty("lmqt.root", ".")).resolve("data/bos/topics-l1.txt"));
        assertEquals(25, shipped.size());
        assertEquals(237, shipped.stream().mapToInt(Topic::count).sum());
    }

    @Test
    void numberedItemsAreKeptWithoutTheirNumber() {
        assertEquals(List.of("Algebra", "Number theory", "Geometry"),
                BosPrompts.parseSubTopics("1. Algebra, 2. Number theory, Calculus,3.Topology\n4.  Geometry\n1. Algebra"));
        assertEquals(List.of(), BosPrompts.parseSubTopics("Sure! Here they are: algebra, geometry"));
        assertEquals(List.of(), BosPrompts.parseSubTopics("\u00e9\u00fc\uFFFD 12 .x"));
    }

    @Test
    void linesOfSixtyCharactersOrMoreBecomeRecords() {
        String sixty = "x".repeat(60);
        String fiftyNineWide = "\u00e9".repeat(59); // 59 code points
        assertEquals(List.of(sixty, sixty + "\r"), BosPrompts.recordLines("short\n" + sixty + "\n" + fiftyNineWide
                + "\n" + sixty + "\r\n"));
    }

    @Test
    void csvRoundTripsWithPandasQuotingAndIsACalibrationSet() throws Exception {
        List<BosRecord> rows = List.of(new BosRecord("Algebra", "plain text", "2026-12-01 10:00:00"),
                new BosRecord("Graph theory, applied", "she said \"hi\", then\rleft", "2026-12-01 10:00:01"));
        Path csv = tmp.resolve("data-m-v.csv");
        BosCsv.write(csv, rows);
        assertEquals("topic,text,timestamp\nAlgebra,plain text,2026-12-01 10:00:00\n"
                + "\"Graph theory, applied\",\"she said \"\"hi\"\", then\rleft\",2026-12-01 10:00:01\n",
                Files.readString(csv));
        assertEquals(rows, BosCsv.read(csv));
        assertEquals(List.of("plain text", "she said \"hi\", then\rleft"), TextRecords.read(csv));
    }

    @Test
    void splitCutsOnRowBoundaries() throws Exception {
        List<BosRecord> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rows.add(new BosRecord("t" + i, "line, number " + i + "\nwith a break", "2026-12-01 10:00:0" + i));
        }
        BosCsv.split(rows, tmp);
        List<BosRecord> train = BosCsv.read(tmp.resolve("train.csv"));
        List<BosRecord> test = BosCsv.read(tmp.resolve("test.csv"));
        assertEquals(8, train.size());
        List<BosRecord> both = new ArrayList<>(train);
        both.addAll(test);
        assertEquals(rows, both);
        BosCsv.split(rows.subList(0, 2), tmp);
        assertEquals(1, BosCsv.read(tmp.resolve("test.csv")).size(), "two rows: one each");
        BosCsv.split(List.of(), tmp);
        assertEquals("topic,text,timestamp\n", Files.readString(tmp.resolve("train.csv")));
        assertEquals("topic,text,timestamp\n", Files.readString(tmp.resolve("test.csv")));
    }
}
