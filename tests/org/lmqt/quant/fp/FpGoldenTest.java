package org.lmqt.quant.fp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.quant.fp.LlmcFloatQuantizer.Granularity;

/** c10 float8 casts, qtorch, LLMC's FloatQuantizer and microxcaling's MX against {@code fixtures/fp8}. */
class FpGoldenTest {
    private static SafetensorsFile in;
    private static SafetensorsFile expected;

    @BeforeAll
    static void open() {
        in = SafetensorsFile.open(TestData.shared("fixtures/fp8/inputs.safetensors"));
        expected = SafetensorsFile.open(TestData.shared("fixtures/fp8/expected.safetensors"));
    }

    @AfterAll
    static void close() {
        in.close();
        expected.close();
    }

    @Test
    void c10CastsAreBitExact() {
        for (String set : List.of("edge", "rand")) {
            float[] x = in.tensor(set).data();
            assertCodes("c10.e4m3fn." + set + ".code", x, i -> Fp8Cast.e4m3fn(x[i]));
            assertCodes("c10.e5m2." + set + ".code", x, i -> Fp8Cast.e5m2(x[i]));
            assertCodes("c10.e4m3fn_satfinite." + set + ".code", x, i -> Fp8Cast.e4m3fnSatfinite(x[i]));
            long[] e4 = expected.longs("c10.e4m3fn." + set + ".code");
            long[] e5 = expected.longs("c10.e5m2." + set + ".code");
            float[] v4 = new float[x.length];
            float[] v5 = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                v4[i] = Fp8Cast.e4m3fnValue((int) e4[i]);
                v5[i] = Fp8Cast.e5m2Value((int) e5[i]);
            }
            assertSame("c10.e4m3fn." + set + ".value", v4);
            assertSame("c10.e5m2." + set + ".value", v5);
        }
    }

    @Test
    void qtorchIsBitExact() {
        for (String set : List.of("edge", "rand")) {
            float[] x = in.tensor(set).data();
            for (FloatFormat f : List.of(FloatFormat.E4M3, FloatFormat.E5M2, FloatFormat.E2M1)) {
                float[] q = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    q[i] = QtorchFloat.quantize(x[i], f.exp(), f.man());
                }
                assertSame("qtorch." + f.name() + "." + set + ".value", q);
            }
        }
    }

    @Test
    void llmcWithoutQtorchWithinTolerance() {
        float[] w = in.tensor("llmc.W").data();   // [24, 40]
        float[] x = in.tensor("llmc.X").data();   // [6, 40]
        float[] wg = in.tensor("llmc.Wg").data(); // [16, 256]
        for (FloatFormat f : List.of(FloatFormat.E4M3, FloatFormat.E5M2, FloatFormat.E2M1)) {
            assertNormwise("llmc." + f.name() + ".per_channel.W",
                    LlmcFloatQuantizer.perRow(f, Granularity.PER_CHANNEL, false).fakeQuantize(w, 24, 40), 6e-7);
            assertNormwise("llmc." + f.name() + ".per_token.X",
                    LlmcFloatQuantizer.perRow(f, Granularity.PER_TOKEN, false).fakeQuantize(x, 6, 40), 6e-7);
        }
        assertNormwise("llmc.e2m1.per_group128.Wg",
                new LlmcFloatQuantizer(FloatFormat.E2M1, Granularity.PER_GROUP, 128, false).fakeQuantize(wg, 16, 256),
                6e-7);
    }

    @Test
    void llmcQtorchPathsAreBitExact() {
        float[] w = in.tensor("llmc.W").data();
        float[] x = in.tensor("llmc.X").data();
        float[] wg = in.tensor("llmc.Wg").data();
        assertSame("llmc.qtorch.e2m1.per_group.Wg",
                new LlmcFloatQuantizer(FloatFormat.E2M1, Granularity.PER_GROUP, 128, true).fakeQuantize(wg, 16, 256));
        assertSame("llmc.qtorch.e4m3.per_channel.W",
                LlmcFloatQuantizer.perRow(FloatFormat.E4M3, Granularity.PER_CHANNEL, true).fakeQuantize(w, 24, 40));
        assertSame("llmc.qtorch.e5m2.per_channel.W",
                LlmcFloatQuantizer.perRow(FloatFormat.E5M2, Granularity.PER_CHANNEL, true).fakeQuantize(w, 24, 40));
        assertSame("llmc.qtorch.e4m3.per_token.X",
                LlmcFloatQuantizer.perRow(FloatFormat.E4M3, Granularity.PER_TOKEN, true).fakeQuantize(x, 6, 40));
    }

    @Test
    void llmcBlockFp8IsBitExact() {
        float[] wb = in.tensor("llmc.Wb").data(); // [136, 128]
        var b = LlmcFloatQuantizer.blockE4m3(wb, 136, 128, 128);
        long[] codes = expected.longs("llmc.block128.e4m3.code");
        int diff = 0;
        for (int i = 0; i < codes.length; i++) {
            diff += (b.codes()[i] & 0xFF) == codes[i] ? 0 : 1;
        }
        assertEquals(0, diff, "codes differing");
        assertSame("llmc.block128.e4m3.scale", b.steps());
        assertSame("llmc.block128.e4m3.dequant", b.dequantize());
    }

    @Test
    void mxMatchesMicroxcaling() {
        float[] a = in.tensor("mx.A").data(); // [6, 96]
        float[] bb = in.tensor("mx.B").data(); // [5, 40]
        float[] e = in.tensor("mx.E").data(); // [10, 32]
        for (MxFormat f : List.of(MxFormat.FP8_E4M3, MxFormat.FP8_E5M2, MxFormat.FP4_E2M1)) {
            for (MxQuantizer.Rounding r : MxQuantizer.Rounding.values()) {
                MxQuantizer q = new MxQuantizer(f, r, 32);
                String p = "mx." + f.configName() + "." + r.configName() + ".";
                assertSame(p + "A", q.fakeQuantize(a, 6, 96));
                assertSame(p + "B", q.fakeQuantize(bb, 5, 40));
                // row 7 (max 8(1 - 2^-24)) included: float32 log2 rounds up as torch's does
                assertSame(p + "E", q.fakeQuantize(e, 10, 32));
            }
        }
    }

    @Test
    void degenerateGroupsAsTheReferences() {
        // LLMC exponent path: an all-zero group is NaN (log2(0) - log2(0)); the qtorch path gives 0
        float[] zeros = new float[8];
        assertTrue(Float.isNaN(LlmcFloatQuantizer.perRow(FloatFormat.E4M3, Granularity.PER_TOKEN, false)
                .fakeQuantize(zeros, 1, 8)[0]));
        assertEquals(0f, LlmcFloatQuantizer.perRow(FloatFormat.E4M3, Granularity.PER_TOKEN, true)
                .fakeQuantize(zeros, 1, 8)[0]);
        // MX: a zero block stays zero; an inf anywhere makes its whole block NaN, the next block is untouched
        float[] x = new float[64];
        x[3] = Float.POSITIVE_INFINITY;
        x[40] = 1.5f;
        float[] q = MxQuantizer.of(MxFormat.FP4_E2M1).fakeQuantize(x, 1, 64);
        for (int i = 0; i < 32; i++) {
            assertTrue(Float.isNaN(q[i]), "block 0 element " + i);
        }
        assertEquals(1.5f, q[40]);
        assertEquals(0f, q[41]);
        // c10: e4m3fn has no inf (NaN), e5m2 keeps it; satfinite saturates to 448
        assertEquals(Fp8Cast.E4M3FN_NAN, Fp8Cast.e4m3fn(Float.POSITIVE_INFINITY));
        assertEquals(Fp8Cast.E5M2_INF, Fp8Cast.e5m2(Float.POSITIVE_INFINITY));
        assertEquals(448f, Fp8Cast.e4m3fnValue(Fp8Cast.e4m3fnSatfinite(1e9f)));
        assertEquals(480f, QtorchFloat.quantize(Float.NaN, 4, 3), "qtorch saturates NaN to its max");
        assertEquals(0x79, Fp8Cast.e4m3fn(300f), "the README example");
        assertEquals(288f, Fp8Cast.e4m3fnValue(0x79));
    }

    @Test
    void fastFloorLog2EqualsFloorOfFloat32Log2() {
        java.util.Random rnd = new java.util.Random(7);
        for (int i = 0; i < 200_000; i++) {
            float x = Math.abs(Float.intBitsToFloat(rnd.nextInt()));
            if (i % 2 == 0) {
                x = Math.nextDown(Math.scalb(1f, rnd.nextInt(250) - 125)) ; // just below a power of two
                for (int k = rnd.nextInt(3000); k > 0; k--) {
                    x = Math.nextDown(x);
                }
            }
            if (!Float.isNaN(x)) {
                assertEquals((float) Math.floor(Float32Math.log2(x)), Float32Math.floorLog2(x), "x = " + x);
            }
        }
        // the case torch rounds up: 8 (1 - 2^-24) has float32 log2 3.0
        assertEquals(3f, Float32Math.floorLog2(Math.nextDown(8f)));
    }

    @Test
    void badFormatNamesAreRefused() {
        assertTrue(assertThrowsMessage(() -> FloatFormat.parse("fp9")).contains("e<exp>m<man>"));
        assertTrue(assertThrowsMessage(() -> MxFormat.parse("e9m9")).contains("unknown MX element format"));
        assertEquals(MxFormat.FP4_E2M1, MxFormat.parse("e2m1"));
        assertEquals(6f, FloatFormat.E2M1.llmcQmax());
        assertEquals(448f, FloatFormat.E4M3.llmcQmax());
        assertEquals(57344f, FloatFormat.E5M2.llmcQmax());
    }

    private static String assertThrowsMessage(Runnable r) {
        return org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    private static void assertCodes(String name, float[] x, IntUnaryOperator code) {
        long[] want = expected.longs(name);
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            int got = code.applyAsInt(i);
            if (got != want[i]) {
                bad.add(i + ": x=" + x[i] + " got 0x" + Integer.toHexString(got) + " want 0x" + Long.toHexString(want[i]));
            }
        }
        assertTrue(bad.isEmpty(), name + ": " + bad.size() + " codes differ, first " + bad.subList(0, Math.min(5, bad.size())));
    }

    /** Every element equal (NaN where the reference has NaN; +0 and -0 count as equal). */
    static void assertSame(String name, float[] got) {
        float[] want = expected.tensor(name).data();
        assertEquals(want.length, got.length, name);
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < want.length; i++) {
            boolean ok = Float.isNaN(want[i]) ? Float.isNaN(got[i]) : got[i] == want[i];
            if (!ok) {
                bad.add(i + ": got " + got[i] + " want " + want[i]);
            }
        }
        assertTrue(bad.isEmpty(), name + ": " + bad.size() + " differ, first " + bad.subList(0, Math.min(5, bad.size())));
    }

    /** max|got - want| / max|want| within {@code tol}. */
    static void assertNormwise(String name, float[] got, double tol) {
        float[] want = expected.tensor(name).data();
        assertEquals(want.length, got.length, name);
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < want.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) got[i] - want[i]));
            maxRef = Math.max(maxRef, Math.abs(want[i]));
        }
        assertTrue(maxDiff / maxRef <= tol, name + ": normwise " + maxDiff / maxRef + " > " + tol);
    }
}
