package org.lmqt.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;

class PipelineTest {

    @Test
    void runsEveryStepThenResumesWithoutRedoingThem(@TempDir Path out) throws Exception {
        TinyLlama small = new TinyLlama(2, 256, 512, 4, 2, 300, 512, 10000.0, false, DType.BF16, 3);
        Pipeline p = new Pipeline(out, small, org.lmqt.TestData.root().resolve(Pipeline.CORPUS), 2,
                org.lmqt.device.ComputeDevice.CPU);
        List<Pipeline.StepResult> first = p.run();
        assertEquals(List.of("model", "fnorm", "kurtosis", "wdist", "sensi", "join", "mxq", "evaluate",
                "sensi-boost", "kurt-boost", "baselines", "figures"),
                first.stream().map(Pipeline.StepResult::step).toList());
        assertTrue(first.stream().noneMatch(Pipeline.StepResult::skipped));
        for (Pipeline.StepResult r : first) {
            assertTrue(Files.exists(r.output()), r.output().toString());
        }
        assertTrue(Files.isRegularFile(p.modelDir().resolve("tokenizer.json")));
        // the allocation respects the budget: sum of memmb <= P * 4.25 / 8 / 2^20
        List<String> allot = Files.readAllLines(p.allocationFile());
        double mem = allot.stream().skip(1).mapToDouble(l -> Double.parseDouble(l.split(",")[3])).sum();
        long params = allot.stream().skip(1).mapToLong(l -> Long.parseLong(l.split(",")[4])).sum();
        assertEquals(2 * 7, allot.size() - 1);
        assertTrue(mem <= params * Pipeline.BUDGET / 8 / 1048576 + 1e-12, mem + " MiB");

        // the experiment's result has the three models' perplexities
        tech.tablesaw.api.Table result = tech.tablesaw.api.Table.read().csv(first.get(7).output().toFile());
        assertEquals(List.of("fp16", "hqq", "mxq"), result.stringColumn("algo").asList());
        for (int r = 0; r < 3; r++) {
            double ppl = result.numberColumn("ppl_wikitext").getDouble(r);
            assertTrue(ppl > 1 && ppl < 2 * 300, "perplexity " + ppl + " of a 300-token random model");
        }
        // the sensitivity rows of both layers and the joined table the variants read
        List<String> sensi = Files.readAllLines(p.sensitivityFile());
        assertEquals(1 + 2 * 4, sensi.size(), sensi.toString());
        assertTrue(sensi.get(1).startsWith("moby-dick-chapter-1,attn_in,tiny-llama,4,64,0,"), sensi.get(1));
        String header = Files.readAllLines(first.get(5).output()).get(0);
        assertTrue(header.endsWith(",kurtosis,kurtosis_scaled,sensitivity"), header);
        // the summary: fp16, hqq, mxq and the two variants, each with a perplexity and its change
        List<Pipeline.Headline> h = p.headlines();
        // the baselines in the order of their partial files (awq, bnb, gptq), as the harness combines them
        assertEquals(List.of("fp16", "hqq b4g64", "mxq 4.25", "sensi-boost 4.25", "kurt-boost 4.25", "awq b4g64",
                "bnb b4g64", "gptq b4g64"), h.stream().map(Pipeline.Headline::method).toList());
        assertEquals(0, h.get(0).changePercent(), 1e-12);
        assertTrue(h.stream().allMatch(x -> x.perplexity() > 1 && x.perplexity() < 600), h.toString());
        // the KL divergence from fp16 on the same windows: positive for every quantized model, top-1 agreement a share
        assertTrue(h.stream().skip(1).allMatch(x -> x.kld() > 0 && x.top1Agree() > 0 && x.top1Agree() <= 1),
                h.toString());
        // the baselines' figure: perplexity against bits of this run's methods, with its tidy CSV
        Path pplMem = p.figuresDir().resolve("ppl-mem-tiny-llama.csv");
        List<String> tidy = Files.readAllLines(pplMem);
        List<String> labels = List.of("mxq 4.25", "hqq b4g64", "gptq b4g64", "awq b4g64", "bnb b4g64", "fp16");
        List<String> methods = List.of("MXQ", "HQQ", "GPTQ", "AWQ", "BnB", "FP16");
        for (int i = 0; i < methods.size(); i++) {
            String method = methods.get(i);
            String line = tidy.stream().filter(l -> l.startsWith("tiny-llama,WikiText2," + method + ",")).findFirst()
                    .orElseThrow(() -> new AssertionError(method + " in " + tidy));
            String label = labels.get(i);
            double expected = h.stream().filter(x -> x.method().equals(label)).findFirst().orElseThrow().perplexity();
            assertEquals(expected, Double.parseDouble(line.split(",")[7]), 1e-9, method + "'s perplexity: " + line);
        }
        assertTrue(Files.isRegularFile(p.figuresDir().resolve("ppl-mem-tiny-llama.html")));
        long stamp = Files.getLastModifiedTime(first.get(1).output()).toMillis();
        List<Pipeline.StepResult> second = p.run();
        assertTrue(second.stream().allMatch(Pipeline.StepResult::skipped), second.toString());
        assertEquals(stamp, Files.getLastModifiedTime(first.get(1).output()).toMillis());
        assertFalse(Files.list(p.dataDir()).anyMatch(f -> f.getFileName().toString().endsWith(".tmp")));
    }
}
