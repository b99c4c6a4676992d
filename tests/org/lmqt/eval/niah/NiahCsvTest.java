package org.lmqt.eval.niah;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.UserException;

/** The result file: its columns, quoting of awkward answers, a round trip, and refusing other files. */
class NiahCsvTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripKeepsAnswersWithCommasQuotesLineBreaksAndSpaces() throws Exception {
        List<NiahRow> rows = List.of(
                new NiahRow("tiny-llama", "none", 128, 0, 150, 1, 1, "The best thing, \"really\":\n eat."),
                new NiahRow("tiny-llama", "hqq b4g64, kv kivi2", 256, 12.5, 278, 1, 0, "  leading spaces"),
                new NiahRow("Llama-2-7b-hf", "none", 1000, 100, 1030, 0, 0, ""));
        Path csv = tmp.resolve("sub/niah.csv");
        NiahCsv.write(csv, rows);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("model,quantization,length,depth,prompt_tokens,score,exact_match,answer", lines.get(0));
        assertEquals("tiny-llama,\"hqq b4g64, kv kivi2\",256,12.5,278,1,0,\"  leading spaces\"", lines.get(3));
        assertEquals("Llama-2-7b-hf,none,1000,100,1030,0,0,\"\"", lines.get(4));
        assertEquals(rows, NiahCsv.read(csv));
        try (var files = Files.list(csv.getParent())) {
            assertEquals(1, files.count(), "no temporary file left");
        }
    }

    @Test
    void aMissingFileHasNoRowsAndAnotherFileIsRefused() throws Exception {
        assertEquals(List.of(), NiahCsv.read(tmp.resolve("none.csv")));
        Path other = tmp.resolve("other.csv");
        Files.writeString(other, "model,ppl\nx,1\n");
        UserException e = assertThrows(UserException.class, () -> NiahCsv.read(other));
        assertTrue(e.getMessage().contains("not a needle-test result file"), e.getMessage());
        Path broken = tmp.resolve("broken.csv");
        Files.writeString(broken, String.join(",", NiahCsv.HEADER) + "\nm,none,12,50,20,2,0,\"a\"\n");
        assertTrue(assertThrows(UserException.class, () -> NiahCsv.read(broken)).getMessage().contains("record 2"));
    }
}
