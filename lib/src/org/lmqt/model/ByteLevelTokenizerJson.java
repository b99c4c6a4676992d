package org.lmqt.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.io.AtomicFiles;

/**
 * Writes a byte-level {@code tokenizer.json} (Hugging Face tokenizers format) for a random test model of a given
 * vocabulary size, so that tiny models work end to end with text. Ids: 0 {@code <unk>}, 1 {@code <s>} (BOS, added
 * at the start of every encoding, as Llama's tokenizer does), 2 {@code </s>} (EOS); then one token per byte, in
 * the order newline, tab, carriage return, printable ASCII, then the other bytes; ids beyond the 259 needed for all
 * bytes are unused special tokens {@code <extra_N>}. With fewer than 259 ids, the bytes that do not fit encode as
 * {@code <unk>}. There are no merges: every byte is one token.
 */
public final class ByteLevelTokenizerJson {
    /** Id of the unknown token. */
    public static final int UNK_ID = 0;
    /** Id of the BOS token. */
    public static final int BOS_ID = 1;
    /** Id of the EOS token. */
    public static final int EOS_ID = 2;
    private static final int SPECIALS = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ByteLevelTokenizerJson() {}

    /** Writes {@code dir/tokenizer.json} for {@code vocabSize} ids (at least 4). */
    public static void write(Path dir, int vocabSize) {
        if (vocabSize <= SPECIALS) {
            throw new IllegalArgumentException("a byte-level tokenizer needs a vocabulary of at least "
                    + (SPECIALS + 1) + " ids, got " + vocabSize);
        }
        try {
            String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(build(vocabSize));
            AtomicFiles.writeString(dir.resolve("tokenizer.json"), text + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tokenizer as a JSON tree. */
    static ObjectNode build(int vocabSize) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        // special tokens: unk, bos, eos, and the unused extras
        ArrayNode added = root.putArray("added_tokens");
        List<String> specials = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int id = SPECIALS + 256; id < vocabSize; id++) {
            specials.add("<extra_" + id + ">");
        }
        for (int i = 0; i < specials.size(); i++) {
            int id = i < SPECIALS ? i : SPECIALS + 256 + (i - SPECIALS);
            ObjectNode t = added.addObject();
            t.put("id", id).put("content", specials.get(i)).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel());
        // post-processor: one BOS before the sequence
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject("<s>");
        bos.put("id", "<s>");
        bos.putArray("ids").add(BOS_ID);
        bos.putArray("tokens").add("<s>");
        root.set("decoder", byteLevel());
        // model: BPE without merges over the byte alphabet
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        vocab.put("<unk>", UNK_ID);
        vocab.put("<s>", BOS_ID);
        vocab.put("</s>", EOS_ID);
        int[] order = byteOrder();
        for (int i = 0; i < order.length && SPECIALS + i < vocabSize; i++) {
            vocab.put(String.valueOf(byteChar(order[i])), SPECIALS + i);
        }
        for (int id = SPECIALS + 256; id < vocabSize; id++) {
            vocab.put("<extra_" + id + ">", id);
        }
        model.putArray("merges");
        return root;
    }

    private static ObjectNode byteLevel() {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false);
        return n;
    }

    /** Bytes by priority: {@code \n \t \r}, printable ASCII 32..126, then the rest ascending. */
    static int[] byteOrder() {
        int[] order = new int[256];
        boolean[] used = new boolean[256];
        int n = 0;
        for (int b : new int[] {'\n', '\t', '\r'}) {
            order[n++] = b;
            used[b] = true;
        }
        for (int b = 32; b < 127; b++) {
            order[n++] = b;
            used[b] = true;
        }
        for (int b = 0; b < 256; b++) {
            if (!used[b]) {
                order[n++] = b;
            }
        }
        return order;
    }

    /** GPT-2's printable stand-in for a byte, as the ByteLevel pre-tokenizer maps it. */
    static char byteChar(int b) {
        if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
            return (char) b;
        }
        // the other 68 bytes map, in ascending order, to U+0100 onwards
        int k = 0;
        for (int c = 0; c < b; c++) {
            if (!((c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF))) {
                k++;
            }
        }
        return (char) (256 + k);
    }
}
