package org.lmqt.quant.zeroquant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.checkpoint.SafetensorsFile;

/** DeepSpeed's Sym/Asym quantizers, LinearLayer_Compress and LLMEasyQuant's quantizers against fixtures/zeroquant. */
class ZeroQuantGoldenTest {
    private static SafetensorsFile in;
    private static SafetensorsFile expected;

    @BeforeAll
    static void open() {
        in = SafetensorsFile.open(TestData.shared("fixtures/zeroquant/inputs.safetensors"));
        expected = SafetensorsFile.open(TestData.shared("fixtures/zeroquant/expected.safetensors"));
    }

    @AfterAll
    static void close() {
        in.close();
        expected.close();
    }

    private record Case(String name, int bits, boolean sym, int groups) {}

    private static final Case[] CASES = {
        new Case("attn_row", 8, true, 48), new Case("attn_quarter", 8, true, 192),
        new Case("attn_1p5row", 8, true, 32), new Case("mlp_row", 4, true, 96),
        new Case("mlp_3p5row", 4, true, 32), new Case("asym8_row", 8, false, 48),
        new Case("asym4_quarter", 4, false, 384),
    };

    @Test
    void weightGroupingsAreBitExact() {
        for (Case c : CASES) {
            float[] w = in.tensor("w." + c.name()).data();
            assertBitExact("w." + c.name() + ".wq", new DeepSpeedQuantizer(c.bits(), c.sym()).fakeQuantize(w, c.groups()));
        }
    }

    @Test
    void perTokenActivationsAreBitExact() {
        float[] x = in.tensor("x").data(); // [2, 5, 64]
        assertBitExact("x.symmetric.xq", new DeepSpeedQuantizer(8, true).perToken(x, 64));
        assertBitExact("x.asymmetric.xq", new DeepSpeedQuantizer(8, false).perToken(x, 64));
    }

    @Test
    void linearLayerCompressMatchesTo1e6() {
        float[] x = in.tensor("x").data();
        float[] bias = in.tensor("bias").data();
        var sym8 = new DeepSpeedQuantizer(8, true);
        assertNormwise("linear.attn_row.a8sym.y", new ZeroQuantLinear(sym8, 48, sym8)
                .forward(x, in.tensor("w.attn_row").data(), Arrays.copyOf(bias, 48), 48, 64), 1e-6);
        assertNormwise("linear.mlp_row.a8sym.y", new ZeroQuantLinear(new DeepSpeedQuantizer(4, true), 96, sym8)
                .forward(x, in.tensor("w.mlp_row").data(), Arrays.copyOf(bias, 96), 96, 64), 1e-6);
        var asym8 = new DeepSpeedQuantizer(8, false);
        assertNormwise("linear.asym8_row.a8asy.y", new ZeroQuantLinear(asym8, 48, asym8)
                .forward(x, in.tensor("w.asym8_row").data(), Arrays.copyOf(bias, 48), 48, 64), 1e-6);
    }

    @Test
    void leqQuantizersAreBitExact() {
        for (String t : new String[] {"w", "x"}) {
            float[] v = in.tensor(t.equals("w") ? "w.attn_row" : "x").data();
            check("leq.sym_quantize_8bit." + t, v, LeqQuantizers::symQuantize8bit);
            check("leq.absmax_quantize." + t, v, LeqQuantizers::absmaxQuantize);
            check("leq.zeropoint_quantize." + t, v, LeqQuantizers::zeropointQuantize);
        }
    }

    @Test
    void degenerateGroupsAndBadGroupCounts() {
        // as the reference: a zero group (symmetric) and a constant group (asymmetric) give NaN
        assertTrue(Float.isNaN(new DeepSpeedQuantizer(8, true).fakeQuantize(new float[4], 1)[0]));
        assertTrue(Float.isNaN(new DeepSpeedQuantizer(8, false).fakeQuantize(new float[] {2, 2}, 1)[0]));
        // the positive maximum saturates at 127/128 of it, the negative one is exact
        float[] q = new DeepSpeedQuantizer(8, true).fakeQuantize(new float[] {1f, -1f}, 1);
        assertEquals(127f / 128f, q[0]);
        assertEquals(-1f, q[1]);
        assertThrows(IllegalArgumentException.class, () -> new DeepSpeedQuantizer(8, true).fakeQuantize(new float[10], 3));
    }

    private static void check(String name, float[] v, Function<float[], LeqQuantizers.Result> fn) {
        LeqQuantizers.Result r = fn.apply(v);
        long[] codes = expected.longs(name + ".q");
        int diff = 0;
        for (int i = 0; i < codes.length; i++) {
            diff += r.codes()[i] == codes[i] ? 0 : 1;
        }
        assertEquals(0, diff, name + ".q codes differing");
        assertBitExact(name + ".dq", r.dequantized());
    }

    private static void assertBitExact(String name, float[] got) {
        float[] want = expected.tensor(name).data();
        assertEquals(want.length, got.length, name);
        int diff = 0;
        int first = -1;
        for (int i = 0; i < want.length; i++) {
            if (got[i] != want[i]) {
                diff++;
                first = first < 0 ? i : first;
            }
        }
        assertEquals(0, diff, name + ": differing elements, first at " + first
                + (first >= 0 ? " got " + got[first] + " want " + want[first] : ""));
    }

    private static void assertNormwise(String name, float[] got, double tol) {
        float[] want = expected.tensor(name).data();
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < want.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) got[i] - want[i]));
            maxRef = Math.max(maxRef, Math.abs(want[i]));
        }
        assertTrue(maxDiff / maxRef <= tol, name + ": normwise " + maxDiff / maxRef);
    }
}
