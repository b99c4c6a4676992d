package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lmqt.TestData;

/** {@link TextTokenizer#encodePrefix} gives the first ids of the whole text's encoding, with a BPE that merges. */
class TextTokenizerPrefixTest {
    @TempDir
    static Path dir;

    private static final List<String> MERGES = List.of("t h", "th e", "h e", "i n", "a n", "e r", "o n", "e d",
            "an d", "in g", "o u", "a t", "i s", "h a", "ha t");

    /** A small word-level BPE: single characters, then the merges above (each also in the vocabulary). */
    private static Path writeBpe() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0").putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens");
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.put("unk_token", "[UNK]").put("fuse_unk", false).put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        int id = 0;
        vocab.put("[UNK]", id++);
        for (char c = 33; c < 127; c++) {
            vocab.put(String.valueOf(c), id++);
        }
        for (String m : MERGES) {
            vocab.put(m.replace(" ", ""), id++);
        }
        var merges = model.putArray("merges");
        MERGES.forEach(merges::add);
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json.writeValueAsString(root));
        return file;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 57, 1000, 40_000, 10_000_000})
    void aPrefixGivesTheFirstIdsOfTheWholeEncoding(int n) throws Exception {
        String text = Files.readString(TestData.shared("corpus/moby-dick.txt"));
        try (TextTokenizer tok = TextTokenizer.open(writeBpe())) {
            long[] whole = tok.encode(text);
            long[] prefix = tok.encodePrefix(text, n);
            assertArrayEquals(Arrays.copyOf(whole, Math.min(n, whole.length)), prefix);
            assertTrue(whole.length < 2 * text.length(), "the merges apply");
        }
    }
}
