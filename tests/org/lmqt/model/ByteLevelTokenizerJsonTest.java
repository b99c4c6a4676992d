package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ByteLevelTokenizerJsonTest {
    @TempDir
    Path dir;

    @Test
    void everyByteIsOneTokenAfterBos() {
        ByteLevelTokenizerJson.write(dir, 300);
        try (TextTokenizer tok = TextTokenizer.open(dir.resolve("tokenizer.json"))) {
            String text = "Call me Ishmael.\n— Moby ’Dick’";
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            long[] ids = tok.encode(text);
            assertEquals(bytes.length + 1, ids.length);
            assertEquals(ByteLevelTokenizerJson.BOS_ID, ids[0]);
            // 'C' is printable ASCII 67: after 3 specials and \n \t \r it sits at 3 + 3 + (67 - 32)
            assertEquals(3 + 3 + ('C' - 32), ids[1]);
            assertEquals(3, ids[text.indexOf('\n') + 1]);
            assertEquals(text, tok.decode(ids));
            assertEquals(299, tok.maxId());
        }
    }

    @Test
    void bytesBeyondASmallVocabularyBecomeUnknown() {
        ByteLevelTokenizerJson.write(dir, 150);
        try (TextTokenizer tok = TextTokenizer.open(dir.resolve("tokenizer.json"))) {
            long[] ids = tok.encode("a\u00ff");   // ÿ is two UTF-8 bytes 0xC3 0xBF, ids 198 and 194 in the full order
            assertArrayEquals(new long[] {1, 3 + 3 + ('a' - 32), 0, 0}, ids);
            assertEquals(149, tok.maxId());
        }
    }

    @Test
    void byteCharsAreGpt2sAlphabet() {
        assertEquals('A', ByteLevelTokenizerJson.byteChar('A'));
        assertEquals('\u0120', ByteLevelTokenizerJson.byteChar(' '));   // Ġ
        assertEquals('\u010A', ByteLevelTokenizerJson.byteChar('\n'));  // Ċ
        assertEquals('\u0100', ByteLevelTokenizerJson.byteChar(0));
    }

    @Test
    void tooSmallVocabularyIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ByteLevelTokenizerJson.write(dir, 3));
    }
}
