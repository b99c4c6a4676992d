package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.quant.HqqLinear;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.QuantPlan;

/**
 * Pins the {@code --allocation} path: {@link QuantPlan#fromAllocationCsv} parsing (the columns
 * {@code layer, module, b1, g1} in any order, optional {@code b2, g2} defaulting to 8/128, a {@code model} column
 * that filters out other models' rows, and its one-line errors), and that a model loaded with an allocation uses,
 * matrix by matrix, exactly the weights {@code HqqLinear.quantize(w, shape, config, HQQ).dequantize()} gives for
 * that matrix's config: its logits equal, bit for bit, those of a plain checkpoint holding those weights.
 */
class AllocationPlanTest {
    static {
        System.setProperty("lmqt.threads", "1"); // tiny models: one libtorch thread is fastest
    }

    private static final String MODEL = "tiny-alloc";
    /** The columns of the original's {@code quant-cfg-allot-*.csv} (lmqt-spec 5.8). */
    private static final String HEADER = "model,module,layer,memmb,param_cnt,bit_budget,b1,g1,b2,g2,"
            + "params_quant_tot,params_all_tot";

    /**
     * A config per matrix of the 2-layer {@link ReferenceLlama}, all different (bits 2/3/4/8, groups 32/64/128,
     * meta bits 4/6/8, meta groups dividing each matrix's group count), so that any mix-up of matrices shows.
     */
    private static final Map<String, QuantConfig> ALLOCATION = allocation();

    private static Map<String, QuantConfig> allocation() {
        Map<String, QuantConfig> m = new LinkedHashMap<>();
        m.put("0.self_attn.q_proj", new QuantConfig(4, 64, 8, 64));
        m.put("0.self_attn.k_proj", new QuantConfig(3, 128, 8, 16));
        m.put("0.self_attn.v_proj", new QuantConfig(2, 32, 8, 32));
        m.put("0.self_attn.o_proj", new QuantConfig(8, 128, 8, 32));
        m.put("0.mlp.gate_proj", new QuantConfig(4, 32, 8, 128));
        m.put("0.mlp.up_proj", new QuantConfig(3, 64, 8, 128));
        m.put("0.mlp.down_proj", new QuantConfig(2, 64, 4, 16));
        m.put("1.self_attn.q_proj", new QuantConfig(3, 32, 8, 128));
        m.put("1.self_attn.k_proj", new QuantConfig(4, 64, 8, 32));
        m.put("1.self_attn.v_proj", new QuantConfig(4, 128, 8, 16));
        m.put("1.self_attn.o_proj", new QuantConfig(2, 128, 8, 32));
        m.put("1.mlp.gate_proj", new QuantConfig(2, 128, 8, 64));
        m.put("1.mlp.up_proj", new QuantConfig(8, 64, 8, 128));
        m.put("1.mlp.down_proj", new QuantConfig(3, 128, 6, 64));
        return m;
    }

    @TempDir
    Path tmp;

    private Path csv(String text) throws IOException {
        Path p = tmp.resolve("quant-cfg-allot-test.csv");
        Files.writeString(p, text);
        return p;
    }

    /** One row in the original's format. */
    private static String row(String model, String key, QuantConfig c) {
        int dot = key.indexOf('.');
        return model + "," + key.substring(dot + 1) + "," + key.substring(0, dot) + ",0.5,4096,"
                + String.format(java.util.Locale.ROOT, "%.2f", c.bitsPerParameter()) + "," + c.bits() + ","
                + c.group() + "," + c.metaBits() + "," + c.metaGroup() + ",57344,70000\n";
    }

    /** {@link #ALLOCATION} for {@link #MODEL}, followed by rows of another model for the same matrices. */
    private String allocationCsv(Map<String, QuantConfig> ours) {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        ours.forEach((k, c) -> sb.append(row(MODEL, k, c)));
        // another model's rows come last: were they not filtered out, they would replace ours
        ALLOCATION.keySet().forEach(k -> sb.append(row("Llama-2-7b-hf", k, new QuantConfig(8, 32, 8, 128))));
        return sb.toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // parsing

    @ParameterizedTest
    @ValueSource(strings = {"layer,module,b1,g1", "b1,g1,module,layer"})
    void theFourRequiredColumnsInAnyOrderWithMetaDefaults(String header) throws IOException {
        Map<String, String> byName = Map.of("layer", "0", "module", "self_attn.q_proj", "b1", "4", "g1", "64");
        Map<String, String> second = Map.of("layer", "1", "module", "mlp.down_proj", "b1", "2", "g1", "32");
        StringBuilder sb = new StringBuilder(header).append('\n');
        for (Map<String, String> r : java.util.List.of(byName, second)) {
            sb.append(String.join(",", Arrays.stream(header.split(",")).map(r::get).toList())).append('\n');
        }
        sb.append("\n");   // a trailing blank line is ignored
        QuantPlan plan = QuantPlan.fromAllocationCsv(csv(sb.toString()), MODEL);
        assertEquals("hqq", plan.methodName());
        assertTrue(plan.uniform().isEmpty(), "an allocation has no fallback config");
        assertEquals(Map.of("0.self_attn.q_proj", new QuantConfig(4, 64, 8, 128),
                "1.mlp.down_proj", new QuantConfig(2, 32, 8, 128)), configs(plan));
        assertEquals(new QuantConfig(2, 32, 8, 128), configFor(plan, 1, "mlp.down_proj"));
        var e = assertThrows(UserException.class, () -> configFor(plan, 0, "mlp.down_proj"));
        assertTrue(e.getMessage().contains("0.mlp.down_proj"), e.getMessage());
    }

    @Test
    void theModelColumnKeepsOnlyThatModelsRowsAndMetaColumnsAreRead() throws IOException {
        QuantPlan plan = QuantPlan.fromAllocationCsv(csv(allocationCsv(ALLOCATION)), MODEL);
        assertEquals(ALLOCATION, configs(plan));
        ALLOCATION.forEach((k, c) -> {
            int dot = k.indexOf('.');
            assertEquals(c, configFor(plan, Integer.parseInt(k.substring(0, dot)), k.substring(dot + 1)), k);
        });
        QuantPlan other = QuantPlan.fromAllocationCsv(csv(allocationCsv(ALLOCATION)), "Llama-2-7b-hf");
        assertEquals(new QuantConfig(8, 32, 8, 128), configFor(other, 1, "mlp.down_proj"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"layer", "module", "b1", "g1"})
    void aMissingRequiredColumnIsNamed(String missing) throws IOException {
        String header = String.join(",", Arrays.stream("layer,module,b1,g1".split(","))
                .map(c -> c.equals(missing) ? "other" : c).toList());
        Path p = csv(header + "\n0,self_attn.q_proj,4,64\n");
        var e = assertThrows(UserException.class, () -> QuantPlan.fromAllocationCsv(p, MODEL));
        assertTrue(e.getMessage().contains("'" + missing + "'"), e.getMessage());
    }

    @Test
    void emptyFilesHeaderOnlyAndOtherModelsAreErrors() throws IOException {
        Path empty = csv("");
        var e = assertThrows(UserException.class, () -> QuantPlan.fromAllocationCsv(empty, MODEL));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        Path headerOnly = csv("layer,module,b1,g1\n\n");
        e = assertThrows(UserException.class, () -> QuantPlan.fromAllocationCsv(headerOnly, MODEL));
        assertTrue(e.getMessage().contains("no allocation rows"), e.getMessage());
        Path others = csv(allocationCsv(Map.of()));
        e = assertThrows(UserException.class, () -> QuantPlan.fromAllocationCsv(others, MODEL));
        assertTrue(e.getMessage().contains("no allocation rows") && e.getMessage().contains(MODEL), e.getMessage());
        Path missingFile = tmp.resolve("absent.csv");
        assertThrows(UserException.class, () -> QuantPlan.fromAllocationCsv(missingFile, MODEL));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0,self_attn.q_proj,x,64", "0,self_attn.q_proj,7,64", "0,self_attn.q_proj,4"})
    void aBadRowNamesItsLine(String bad) throws IOException {
        Path p = csv("layer,module,b1,g1\n1,mlp.up_proj,4,64\n" + bad + "\n");
        var e = assertThrows(UserException.class, () -> QuantPlan.fromAllocationCsv(p, MODEL));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    }

    @Test
    void aRowTooShortToHoldTheModelColumnNamesItsLine() throws IOException {
        Path p = csv("layer,module,b1,g1,model\n1,mlp.up_proj,4,64," + MODEL + "\n0,self_attn.q_proj,4,64\n");
        var e = assertThrows(UserException.class, () -> QuantPlan.fromAllocationCsv(p, MODEL));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    }

    // ---------------------------------------------------------------------------------------------------------
    // loading a model with an allocation

    @Test
    void eachMatrixGetsExactlyTheDequantizedWeightsOfItsConfig() throws IOException {
        ReferenceLlama ref = ReferenceLlama.llama(31, false, 10000);
        Path plainDir = ref.write(tmp.resolve("plain"));
        // the expected model: every linear weight replaced by HqqLinear's dequantized weight for its config
        ReferenceLlama expectedModel = ReferenceLlama.llama(31, false, 10000);
        ALLOCATION.forEach((key, config) -> {
            int dot = key.indexOf('.');
            String name = ReferenceLlama.weightName(Integer.parseInt(key.substring(0, dot)), key.substring(dot + 1));
            float[] w = ref.weights.get(name);
            expectedModel.weights.put(name, HqqLinear.quantize(w, ref.shapes.get(name), config, QuantMethod.HQQ)
                    .dequantize());
        });
        Path dequantDir = expectedModel.write(tmp.resolve("dequantized"));

        QuantPlan plan = QuantPlan.fromAllocationCsv(csv(allocationCsv(ALLOCATION)), MODEL);
        long[] ids = ref.ids(3, 20);
        float[] withPlan;
        float[] expected;
        float[] plain;
        try (LoadedModel m = LoadedModel.open(plainDir.toString(), ComputeDevice.CPU, Optional.of(plan))) {
            withPlan = m.model().logits(ids);
        }
        try (LoadedModel m = LoadedModel.open(dequantDir.toString(), ComputeDevice.CPU)) {
            expected = m.model().logits(ids);
        }
        try (LoadedModel m = LoadedModel.open(plainDir.toString(), ComputeDevice.CPU)) {
            plain = m.model().logits(ids);
        }
        assertArrayEquals(expected, withPlan, "same weights, same float32 forward: identical logits");
        assertFalse(Arrays.equals(plain, withPlan), "quantization changes the logits");
    }

    @Test
    void aMatrixMissingFromTheAllocationFailsTheLoadNamingIt() throws IOException {
        Path dir = ReferenceLlama.llama(31, false, 10000).write(tmp.resolve("plain"));
        Map<String, QuantConfig> partial = new LinkedHashMap<>(ALLOCATION);
        partial.remove("1.mlp.down_proj");
        QuantPlan plan = QuantPlan.fromAllocationCsv(csv(allocationCsv(partial)), MODEL);
        var e = assertThrows(UserException.class,
                () -> LoadedModel.open(dir.toString(), ComputeDevice.CPU, Optional.of(plan)).close());
        assertTrue(e.getMessage().contains("1.mlp.down_proj"), e.getMessage());
    }

    /** The plan's configs by allocation key {@code <layer>.<module>}. */
    private static java.util.Map<String, QuantConfig> configs(QuantPlan plan) {
        java.util.Map<String, QuantConfig> out = new java.util.HashMap<>();
        plan.perMatrix().forEach((k, c) -> out.put(k.id(), c.config()));
        return out;
    }

    /** The config of one matrix (a one-line error when the plan lacks it). */
    private static QuantConfig configFor(QuantPlan plan, int layer, String module) {
        return plan.choiceFor(new org.lmqt.checkpoint.MatrixKey(layer, module)).orElseThrow().config();
    }
}
