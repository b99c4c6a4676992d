package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.UserException;

class ResultFilesTest {
    @TempDir
    Path tmp;

    private static final Subtask HQQ = new Subtask(ModelRef.parse("meta-llama/Llama-2-13b-hf"), "b4g64",
            Task.EVAL_PPL, Algo.HQQ);

    @Test
    void headerIsTheOriginalsColumnOrderThenLmqtsAdditions() {
        // spec §5.6, header of data-vis/data/ppl/result-hqq-baseline_ppl-20241222175852.csv, then the KL columns,
        // then the KV-cache method and its bytes per token, then the zero-shot tasks' columns
        assertEquals("model,algo,config,config_detail,quant_duration,model_storage_size,load_mem_allot,"
                + "load_mem_reserved,ppl_mem_allot,ppl_mem_reserved,leaderboard_mem_allot,leaderboard_mem_reserved,"
                + "ppl_wikitext,ppl_c4,duration_wikitext,duration_c4,duration_leaderboard,ifeval,bbh,mathlevel5,gpqa,"
                + "musr,mmlupro,kld_wikitext,kld_c4,top1_agree_wikitext,top1_agree_c4,kv,kv_bytes_per_token,"
                + "acc_arc_easy,acc_stderr_arc_easy,acc_norm_arc_easy,acc_norm_stderr_arc_easy,"
                + "acc_arc_challenge,acc_stderr_arc_challenge,acc_norm_arc_challenge,acc_norm_stderr_arc_challenge,"
                + "acc_hellaswag,acc_stderr_hellaswag,acc_norm_hellaswag,acc_norm_stderr_hellaswag,"
                + "acc_piqa,acc_stderr_piqa,acc_norm_piqa,acc_norm_stderr_piqa,acc_winogrande,acc_stderr_winogrande,"
                + "acc_boolq,acc_stderr_boolq,acc_openbookqa,acc_stderr_openbookqa,acc_norm_openbookqa,"
                + "acc_norm_stderr_openbookqa,ppl_lambada_openai,acc_lambada_openai,acc_stderr_lambada_openai,"
                + "acc_mmlu,acc_stderr_mmlu,acc_mmlu_stem,acc_stderr_mmlu_stem,acc_mmlu_other,acc_stderr_mmlu_other,"
                + "acc_mmlu_social_sciences,acc_stderr_mmlu_social_sciences,acc_mmlu_humanities,"
                + "acc_stderr_mmlu_humanities,duration_zeroshot", ResultRow.header());
    }

    /** Partial files an older lmqt wrote (the original's 23 columns) combine with 0 in the added columns. */
    @Test
    void olderPartialFilesGetZerosInTheAddedColumns() throws Exception {
        String original = String.join(",", ResultRow.ORIGINAL_COLUMNS);
        java.nio.file.Files.writeString(tmp.resolve("partial-hqq-old-b4g64.csv"), original + "\n"
                + "old,hqq,b4g64,{},1.5,0,0,0,0,0,0,0,4.5,6.5,0.1,0.1,0,0,0,0,0,0,0\n");
        ResultFiles.writePartial(tmp, HQQ, ResultRow.empty(HQQ).with("kld_wikitext", 0.25));
        Path result = ResultFiles.combine(tmp, "x", java.time.LocalDateTime.of(2026, 12, 1, 12, 0)).orElseThrow();
        List<List<String>> rows = ResultFiles.readRows(result);
        assertEquals(ResultRow.COLUMNS.size(), rows.get(0).size());
        assertEquals(ResultRow.COLUMNS.size(), rows.get(1).size());
        assertEquals(List.of("0", "0", "0", "0", "none", "0.0"), rows.stream().filter(r -> r.get(0).equals("old"))
                .findFirst().orElseThrow().subList(23, 29));
    }

    @Test
    void rowIsWrittenAsPandasWritesIt() {
        ResultRow row = ResultRow.empty(HQQ).with("quant_duration", 52.35158634185791)
                .with("ppl_mem_allot", 22542418944L).with("ppl_mem_reserved", 22686990336L)
                .with("ppl_wikitext", ResultRow.round(4.699149, 4)).with("ppl_c4", ResultRow.round(6.54, 4))
                .with("duration_wikitext", ResultRow.round(0.3691, 3)).with("duration_c4", 0.368);
        // the example row of spec §5.6, then lmqt's KL columns, the (exact) KV cache and the 38 zero-shot columns
        assertEquals("Llama-2-13b-hf,hqq,b4g64,\"" + Algo.HQQ.configDetail("b4g64") + "\",52.35158634185791,0,0,0,"
                + "22542418944,22686990336,0,0,4.6991,6.54,0.369,0.368,0,0,0,0,0,0,0,0,0,0,0,none,0.0"
                + ",0".repeat(38), row.csvRecord());
        assertEquals(List.of("Llama-2-13b-hf", "hqq", "b4g64", Algo.HQQ.configDetail("b4g64")),
                CsvLine.split(row.csvRecord()).subList(0, 4));
        assertThrows(IllegalArgumentException.class, () -> row.with("ppl", 1.0));
        assertThrows(IllegalArgumentException.class, () -> row.with("ppl_c4", 1));
    }

    @Test
    void pythonRoundIsHalfEvenOnTheExactBinaryValue() {
        assertEquals(2.67, ResultRow.round(2.675, 2));   // 2.675 is 2.67499999... in binary
        assertEquals(0.125, ResultRow.round(0.125, 3));
        assertEquals(0.12, ResultRow.round(0.125, 2));   // exact tie: to even
    }

    @Test
    void combineConcatenatesAllPartialsInNameOrder() throws Exception {
        Subtask mxq = new Subtask(HQQ.model(), "4_25", Task.EVAL_PPL, Algo.MXQ);
        ResultFiles.writePartial(tmp, mxq, ResultRow.empty(mxq).with("ppl_c4", 7.0));
        ResultFiles.writePartial(tmp, HQQ, ResultRow.empty(HQQ).with("ppl_c4", 6.5));
        Path out = ResultFiles.combine(tmp, "exp", LocalDateTime.of(2024, 12, 22, 17, 58, 52)).orElseThrow();
        assertEquals("result-exp-20241222175852.csv", out.getFileName().toString());
        List<List<String>> rows = ResultFiles.readRows(out);
        assertEquals(List.of("hqq", "mxq"), rows.stream().map(r -> r.get(1)).toList());
        assertEquals(List.of("6.5", "7.0"), rows.stream().map(r -> r.get(13)).toList());
        assertEquals(List.of(out), ResultFiles.results(tmp, "exp"));
        assertEquals(List.of(), ResultFiles.results(tmp, "ex"));

        Files.writeString(tmp.resolve("partial-x.csv"), "a,b\n1,2\n");
        assertThrows(UserException.class, () -> ResultFiles.combine(tmp, "exp", LocalDateTime.now()));
    }

    @Test
    void progressTableKeepsForeignRowsAndReadsTheOriginalsSixColumns() throws Exception {
        Path file = tmp.resolve("progress.csv");
        Files.writeString(file, "model,cfg,task_type,algo,status,completion_time\n"
                + "meta-llama/Llama-2-13b-hf,b4g64,eval_ppl,hqq,1,2024-12-23 08:04:19\n"
                + "meta-llama/Llama-2-7b-hf,4_25,eval_ppl,mxq,0,\n");
        Plan plan = Plan.of(List.of(HQQ.model()), List.of(Algo.HQQ), List.of("b4g64", "b3g64"), Task.EVAL_PPL);
        ProgressTable t = ProgressTable.load(file, plan);
        assertEquals(true, t.isDone(HQQ));
        Subtask b3 = plan.subtasks().get(1);
        t.markFailed(b3, LocalDateTime.of(2025, 1, 2, 3, 4, 5), "boom, \"quoted\"\nmore");
        assertEquals(List.of("model,cfg,task_type,algo,status,completion_time,error",
                "meta-llama/Llama-2-13b-hf,b4g64,eval_ppl,hqq,1,2024-12-23 08:04:19,",
                "meta-llama/Llama-2-13b-hf,b3g64,eval_ppl,hqq,-1,2025-01-02 03:04:05,\"boom, \"\"quoted\"\" more\"",
                "meta-llama/Llama-2-7b-hf,4_25,eval_ppl,mxq,0,,"), Files.readAllLines(file));
        assertEquals("boom, \"quoted\" more", ProgressTable.read(file).get(b3.key()).error());
        Files.writeString(file, "what,ever\n");
        assertThrows(UserException.class, () -> ProgressTable.load(file, plan));
    }
}
