package org.lmqt.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.plot.Theme;

/**
 * combine and the perplexity-against-bits figure take every algo of the harness: the activation methods (their bit
 * budget from the measured {@code weight_bits_per_param}) and the KV-cache variants, each drawn with its own label.
 */
class ActivationMethodsFigureTest {

    private static final String HEADER = "model,algo,config,config_detail,ppl_wikitext,ppl_c4,quant_duration,kv";

    @Test
    void everyNewAlgoLandsInCombineAndTheFigure(@TempDir Path data) throws Exception {
        Files.createDirectories(data.resolve("ppl/mxq/mxq1"));
        Files.write(data.resolve("ppl/result-grid.csv"), List.of(HEADER,
                "tiny,fp16,base,{},20.0,25.0,0,none",
                "tiny,hqq,b4g64,\"{'nbits': 4}\",21.0,26.0,1.5,none",
                "tiny,smoothquant,w8a8,\"{'alpha': 0.5, 'weight_bits_per_param': 8.25, 'act_bits': 8}\",20.1,25.1,3,none",
                "tiny,zeroquant,qli-lkd,\"{'config': 'qli-lkd', 'weight_bits_per_param': 5.4321, 'act_bits': 8}\",20.5,25.5,9,none",
                "tiny,fp8,e4m3,\"{'config': 'e4m3', 'weight_bits_per_param': 8.0625, 'act_bits': 8}\",20.2,25.2,1,none",
                "tiny,fp4,e2m1,\"{'config': 'e2m1', 'weight_bits_per_param': 4.0625, 'act_bits': 4}\",24.0,29.0,1,none",
                "tiny,mxfp8,e4m3,\"{'config': 'e4m3', 'weight_bits_per_param': 8.25, 'act_bits': 8}\",20.3,25.3,1,none",
                "tiny,mxfp4,e2m1,\"{'config': 'e2m1', 'weight_bits_per_param': 4.25, 'act_bits': 4}\",23.0,28.0,1,none",
                "tiny,hqq,b4g64,\"{'nbits': 4}\",21.4,26.4,1.5,kivi2-g32-r128",
                "tiny,smoothquant,w8a8,\"{'alpha': 0.5, 'weight_bits_per_param': 8.25, 'act_bits': 8}\",20.6,25.6,3,kivi4-g32-r128"));
        Files.write(data.resolve("ppl/mxq/mxq1/result-mxq.csv"), List.of(HEADER,
                "tiny,mxq,4_25,{},21.2,26.2,2,none"));
        Combine.Result r = Combine.combine(data);
        List<ResultRow> rows = ResultRow.of(r.combined(), data.resolve("combined.csv"));
        assertEquals(11, rows.size());
        ResultRow zq = rows.stream().filter(x -> x.algo().equals("zeroquant")).findFirst().orElseThrow();
        assertEquals(5.43, zq.bpp(), 1e-12, "measured weight bits, two decimals");
        assertEquals(8.25, rows.stream().filter(x -> x.algo().equals("smoothquant+kivi4-g32-r128")).findFirst()
                .orElseThrow().bpp(), 1e-12);
        Chart chart = PplMemChart.build("tiny", rows, new PplMemChart.Options("mxq1", 2.8, 16.5, 1.5));
        Set<String> traces = chart.figure().traces().stream().map(t -> t.name()).collect(Collectors.toSet());
        List<String> labels = List.of("MXQ", "HQQ", "SmoothQuant", "ZeroQuant", "FP8", "FP4", "MXFP8", "MXFP4",
                "HQQ+kivi2-g32-r128", "SmoothQuant+kivi4-g32-r128", "FP16");
        for (String label : labels) {
            assertTrue(traces.contains(label), label + " is drawn: " + traces);
        }
        Set<String> inData = Set.copyOf(chart.data().stringColumn("method").asList());
        assertTrue(inData.containsAll(labels), "every method in the figure's data: " + inData);
        // each activation method has a colour and a symbol of its own
        for (String label : List.of("SmoothQuant", "ZeroQuant", "FP8", "FP4", "MXFP8", "MXFP4")) {
            assertNotEquals("#777777", Theme.methodColor(label), label);
            assertTrue(Theme.METHOD_SYMBOLS.containsKey(label), label);
        }
        // a grid of activation methods alone (no MXQ) is drawn too
        Chart noMxq = PplMemChart.build("tiny", rows.stream().filter(x -> !x.algo().equals("mxq")).toList(),
                new PplMemChart.Options("mxq1", 2.8, 9, 1.5));
        assertTrue(noMxq.figure().traces().stream().anyMatch(t -> "SmoothQuant".equals(t.name())));
        assertEquals(Theme.methodColor("HQQ"), Theme.methodColor("HQQ+kivi2-g32-r128"), "a KV variant keeps its colour");
        assertEquals("square-open", Theme.methodSymbol("HQQ+kivi2-g32-r128"));
    }
}
