package org.lmqt.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.SafetensorsWriter;

/** The bitsandbytes formats' tie rules, degenerate blocks and rows (calib-methods-spec §4.2-4.4), and their tensors. */
class BnbFormatsTest {
    @TempDir
    Path tmp;

    @Test
    void nf4TiesGoToTheLowerCodeAndNanToCodeZero() {
        float[] c = BnbTables.nf4();
        for (int i = 0; i < 15; i++) {
            float mid = (c[i] + c[i + 1]) / 2f;
            assertEquals(i, BnbTables.nf4Code(mid), "threshold " + i);
            assertEquals(i + 1, BnbTables.nf4Code(Math.nextUp(mid)), "just above threshold " + i);
            assertEquals(i, BnbTables.nf4Code(c[i]));
        }
        assertEquals(0, BnbTables.nf4Code(Float.NaN));
    }

    @Test
    void dynamicCodesAreNearestWithMidpointsToTheEvenIndex() {
        float[] d = BnbTables.dynamic();
        for (int i = 0; i < 255; i++) {
            float mid = (d[i] + d[i + 1]) * 0.5f;
            int even = i % 2 == 0 ? i : i + 1;
            assertEquals(even, BnbTables.dynamicCode(mid), "midpoint " + i);
            assertEquals(i, BnbTables.dynamicCode(Math.nextDown(mid)), "below midpoint " + i);
            assertEquals(i + 1, BnbTables.dynamicCode(Math.nextUp(mid)), "above midpoint " + i);
            assertEquals(i, BnbTables.dynamicCode(d[i]));
        }
        assertEquals(0, BnbTables.dynamicCode(Float.NaN));
        assertEquals(127, java.util.Arrays.binarySearch(d, 0f), "0 at index 127");
    }

    @Test
    void anAllZeroBlockGetsCodeZeroAndAnOddCountIsPadded() {
        // [1, 67]: block 0 of 64 zeros, block 1 of 3 values, the pad nibble is the code of 0 (7)
        float[] w = new float[67];
        w[64] = 0.5f;
        w[65] = -1f;
        w[66] = 0.25f;
        Nf4Matrix q = Nf4Matrix.quantize(w, new int[] {1, 67}, 64, DType.F32);
        byte[] codes = q.codes();
        for (int i = 0; i < 64; i++) {
            assertEquals(0, codes[i], "all-zero block, element " + i);
        }
        assertEquals(12, codes[64], "0.5 is nearest 0.5626");
        assertEquals(10, codes[66], "0.25 is nearest 0.2461");
        assertEquals(0, codes[65], "-1 is code 0");
        assertEquals(0x07, q.packed()[33] & 0x0f, "pad nibble");
        assertEquals(codes[66], (q.packed()[33] & 0xff) >>> 4);
        // the all-zero block dequantizes to -absmax_dq (-offset + the 8-bit error), not 0
        float[] absmaxDq = q.absmax().dequantize();
        assertEquals(-absmaxDq[0], q.dequantize()[0], 0f);
    }

    @Test
    void int8OfAnAllZeroRowIsZero() {
        float[] w = {0, 0, 0, 0.5f, -0.25f, 0.125f};
        Int8Matrix q = Int8Matrix.quantize(w, new int[] {2, 3});
        assertArrayEquals(new byte[] {0, 0, 0, 127, -64, 32}, q.codes());
        assertArrayEquals(new float[] {0, 0.5f}, q.scb());
        assertEquals(0f, q.dequantize()[0], 0f);
    }

    @Test
    void tensorsHaveBitsandbytesNamesAndStorageBytesTheirSize() {
        float[] w = new float[3 * 200];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i * 0.37) * 0.02f;
        }
        int[] shape = {3, 200};
        Nf4Matrix nf4 = Nf4Matrix.quantize(w, shape, 64, DType.F16);
        Int8Matrix int8 = Int8Matrix.quantize(w, shape);
        Path f = tmp.resolve("q.safetensors");
        SafetensorsWriter writer = new SafetensorsWriter();
        nf4.writeTo(writer, "a");
        int8.writeTo(writer, "b");
        writer.write(f);
        try (SafetensorsFile file = SafetensorsFile.open(f)) {
            Set<String> names = file.entries().keySet();
            assertEquals(Set.of("a.weight", "a.weight.absmax", "a.weight.quant_map", "a.weight.nested_absmax",
                    "a.weight.nested_quant_map", "a.weight.quant_state.bitsandbytes__nf4", "b.weight", "b.SCB",
                    "b.weight_format"), names);
            assertArrayEquals(new int[] {300, 1}, file.entry("a.weight").shape());
            assertArrayEquals(nf4.packed(), file.readBytes("a.weight"));
            assertArrayEquals(int8.codes(), file.readBytes("b.weight"));
            assertEquals(DType.I8, file.entry("b.weight").dtype());
            assertEquals(nf4.storageBytes(), bytes(file, "a."));
            assertEquals(int8.storageBytes(), bytes(file, "b."));
            String state = new String(file.readBytes("a.weight.quant_state.bitsandbytes__nf4"));
            assertEquals("{\"quant_type\":\"nf4\",\"blocksize\":64,\"dtype\":\"float16\",\"shape\":[3,200],"
                    + "\"nested_blocksize\":256,\"nested_dtype\":\"float32\",\"nested_offset\":" + nf4.absmax().offset()
                    + "}", state);
        }
    }

    private static long bytes(SafetensorsFile file, String prefix) {
        return file.entries().values().stream().filter(e -> e.name().startsWith(prefix))
                .collect(Collectors.summingLong(e -> e.end() - e.begin()));
    }

    @Test
    void choicesCheckTheBitWidthAndPickTheFormat() {
        assertThrows(IllegalArgumentException.class, () -> new MatrixChoice(QuantMethod.NF4, new QuantConfig(3, 64)));
        assertThrows(IllegalArgumentException.class, () -> new MatrixChoice(QuantMethod.INT8, new QuantConfig(4, 128)));
        float[] w = new float[128];
        w[5] = 0.3f;
        int[] shape = {2, 64};
        assertEquals(Nf4Matrix.FORMAT, MatrixQuantizers.of(new MatrixChoice(QuantMethod.NF4, new QuantConfig(4, 64)),
                Hqq.parallel()).quantize(w, shape, new QuantConfig(4, 64), java.util.Optional.empty()).format());
        assertEquals(Int8Matrix.FORMAT, MatrixQuantizers.of(new MatrixChoice(QuantMethod.INT8,
                new QuantConfig(8, 128)), Hqq.parallel()).quantize(w, shape, new QuantConfig(8, 128),
                java.util.Optional.empty()).format());
        assertEquals(PackedHqq.FORMAT, MatrixQuantizers.of(new MatrixChoice(QuantMethod.RTN, new QuantConfig(4, 64)),
                Hqq.parallel()).quantize(w, shape, new QuantConfig(4, 64, 8, 2), java.util.Optional.empty()).format());
    }
}
