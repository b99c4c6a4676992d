package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.UserException;

class PlanTest {
    @TempDir
    Path tmp;

    @Test
    void configNamesFollowTheOriginal() {
        assertEquals(Optional.of("4_25"), Algo.MXQ.configName("4.25"));
        assertEquals(Optional.of("4_00"), Algo.MXQ.configName("4"));
        assertEquals(Optional.of("4_25"), Algo.MXQ.configName("4_25"));
        assertEquals(Optional.empty(), Algo.MXQ.configName("b4g64"));
        assertEquals(Optional.of("b4g64"), Algo.HQQ.configName("b4g64"));
        assertEquals(Optional.empty(), Algo.HQQ.configName("4.25"));
        assertEquals(List.of("5_00", "4_75", "4_50", "4_25", "4_01", "3_76", "3_50", "3_00", "2_75", "2_48"),
                Algo.MXQ.defaultConfigs());
        assertEquals(12, Algo.HQQ.defaultConfigs().size());
        assertEquals(List.of("base"), Algo.FP16.defaultConfigs());
        assertEquals(4.25, Algo.budget("4_25"));
    }

    @Test
    void configDetailIsThePythonDictOfTheOriginal() {
        // spec §5.6, the HQQ b4g64 row of result-hqq-baseline_ppl-20241222175852.csv
        assertEquals("{'weight_quant_params': {'nbits': 4, 'channel_wise': True, 'group_size': 64, 'optimize': True, "
                + "'round_zero': True, 'axis': 0, 'view_as_float': False}, 'scale_quant_params': {'nbits': 8, "
                + "'channel_wise': True, 'group_size': 128, 'optimize': False}, 'zero_quant_params': {'nbits': 8, "
                + "'channel_wise': False, 'group_size': None, 'optimize': False}, 'offload_meta': False, "
                + "'mixed': False, 'budget': 0.0}", Algo.HQQ.configDetail("b4g64"));
        assertTrue(Algo.HQQ.configDetail("b3g32").contains("'nbits': 3, 'channel_wise': True, 'group_size': 32, "
                + "'optimize': True, 'round_zero': False"));
        assertTrue(Algo.MXQ.configDetail("4_21").endsWith("'mixed': True, 'budget': 4.21}"));
        assertEquals("{}", Algo.FP16.configDetail("base"));
    }

    @Test
    void gridIsAlgoByConfigByModelAndEachValueGoesToItsAlgos() {
        List<ModelRef> models = List.of(ModelRef.parse("a/m1"), ModelRef.parse("a/m2"));
        Plan p = Plan.of(models, List.of(Algo.FP16, Algo.HQQ, Algo.MXQ), List.of("b4g64", "4.25", "b4g64"),
                Task.QUANT);
        assertEquals(List.of("fp16 base m1", "fp16 base m2", "hqq b4g64 m1", "hqq b4g64 m2", "mxq 4_25 m1",
                "mxq 4_25 m2"), p.subtasks().stream().map(s -> s.algo() + " " + s.cfg() + " " + s.model().name())
                .toList());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Plan.of(models, List.of(Algo.HQQ), List.of("b4g64", "4.25"), Task.QUANT));
        assertTrue(e.getMessage().contains("config '4.25' fits none of the algos hqq"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Plan.of(models, List.of(Algo.HQQ, Algo.MXQ), List.of("b4g64"), Task.QUANT));
    }

    @Test
    void defaultExperimentNameJoinsTaskAlgosAndConfigs() {
        assertEquals("eval_ppl-hqq-mxq-b4g64-4.25", Plan.defaultExperimentName(Task.EVAL_PPL,
                List.of(Algo.HQQ, Algo.MXQ), List.of("b4g64", "4.25")));
        assertEquals("quant-hqq", Plan.defaultExperimentName(Task.QUANT, List.of(Algo.HQQ), List.of()));
    }

    @Test
    void modelsAreFoldersOrHubIds() throws Exception {
        ModelRef hub = ModelRef.parse("meta-llama/Llama-2-7b-hf");
        assertEquals("meta-llama", hub.org());
        assertEquals("Llama-2-7b-hf", hub.name());
        Path folder = java.nio.file.Files.createDirectories(tmp.resolve("tiny"));
        ModelRef local = ModelRef.parse(folder.toString());
        assertEquals("local", local.org());
        assertEquals("tiny", local.name());
        assertEquals(folder.toAbsolutePath().toString(), local.id());
        Subtask s = new Subtask(hub, "4_25", Task.EVAL_PPL, Algo.MXQ);
        assertEquals(Path.of("/snap/meta-llama/Llama-2-7b-hf-4_25-mxq"), s.snapshotDir(Path.of("/snap")));
        assertEquals("partial-mxq-Llama-2-7b-hf-4_25.csv", s.partialFileName());
        assertThrows(UserException.class, () -> ModelRef.parse(tmp.resolve("missing").toString()));
    }
}
