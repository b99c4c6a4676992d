package org.lmqt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;

/** {@code quant-llm --algo fp16 hqq --kv none kivi2} through the real launcher, and the KV errors of the scripts. */
class QuantLlmKvScriptTest {

    @Test
    void quantLlmRunsTheKvGridOnATinyModel(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("tiny");
        new TinyLlama(2, 256, 512, 4, 2, 512, 512, 10000.0, false, DType.BF16, 3).write(model);
        org.lmqt.model.ByteLevelTokenizerJson.write(model, 512);
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, "Call me Ishmael. Some years ago, never mind how long precisely. ".repeat(8));
        ScriptsTest.Run r = ScriptsTest.jbang(TestData.root(), "quant-llm", "--model", model.toString(), "--algo",
                "fp16", "hqq", "--config", "b4g64", "--kv", "none", "kivi2", "--task", "eval_ppl", "--dataset",
                text.toString(), "--max-length", "128", "--stride", "64", "--result-dir", tmp.resolve("results").toString(),
                "--quant-snapshot-dir", tmp.resolve("snap").toString(), "--threads", "1");
        assertEquals(0, r.exit(), r.out() + r.err());
        Path dir = tmp.resolve("results/eval_ppl-fp16-hqq-b4g64-kv-none-kivi2");
        Path result;
        try (Stream<Path> files = Files.list(dir)) {
            result = files.filter(p -> p.getFileName().toString().startsWith("result-")).findFirst().orElseThrow();
        }
        List<String> lines = Files.readAllLines(result);
        assertEquals(5, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains(",kv,kv_bytes_per_token,"), lines.get(0));
        assertEquals(2, lines.stream().filter(l -> l.contains(",kivi2-g32-r128,")).count());
        assertTrue(Files.isRegularFile(dir.resolve("partial-fp16-tiny-base+kivi2-g32-r128.csv")));
        // a KV group that does not divide head_dim: one line and exit 2
        ScriptsTest.Run bad = ScriptsTest.jbang(TestData.root(), "eval-ppl", "--model", model.toString(), "--text",
                text.toString(), "--max-length", "128", "--stride", "64", "--kv", "kivi2-g48-r96");
        assertEquals(2, bad.exit(), bad.err());
        List<String> errors = bad.err().lines().filter(l -> l.startsWith("eval-ppl: error:")).toList();
        assertEquals(1, errors.size(), bad.err());
        assertTrue(errors.get(0).contains("does not divide head_dim 64"), errors.get(0));
        assertFalse(bad.err().contains("\tat "), "no stack trace");
    }
}
