package org.lmqt.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BitPackerTest {

    @ParameterizedTest(name = "{0} bits, group {1}")
    @CsvSource({"8,32", "8,128", "6,64", "5,64", "4,32", "4,64", "4,128", "3,32", "3,64", "3,128", "3,10", "3,7",
            "2,32", "2,128", "1,64", "1,128"})
    void unpackInvertsPack(int bits, int group) {
        int m = 37;
        byte[] codes = randomCodes(bits, group * m, 42 + bits * 1000 + group);
        BitPacker.Packed p = BitPacker.pack(codes, group, m, bits);
        assertEquals(BitPacker.packing(bits), p.packing());
        assertEquals(BitPacker.packedBytes(group, m, bits), p.data().length);
        assertArrayEquals(codes, BitPacker.unpack(p, group, bits));
    }

    @Test
    void threeBitStorageCostsWhatTheSpecSays() {
        // 4.0, 3.5 and 3.25 bits per weight at groups 32, 64 and 128 (10 codes per int32, rows padded)
        assertEquals(4.0, BitPacker.packedBytes(32, 1, 3) * 8 / 32.0);
        assertEquals(3.5, BitPacker.packedBytes(64, 1, 3) * 8 / 64.0);
        assertEquals(3.25, BitPacker.packedBytes(128, 1, 3) * 8 / 128.0);
    }

    @Test
    void fourBitPutsTheFirstHalfInTheHighNibble() {
        // [g=4, M=2] codes; packed row r = Q[r] << 4 | Q[r + 2]
        byte[] codes = {1, 9, 2, 10, 3, 11, 4, 12};
        BitPacker.Packed p = BitPacker.pack(codes, 4, 2, 4);
        assertArrayEquals(new int[] {2, 2}, p.shape());
        assertArrayEquals(new byte[] {0x13, (byte) 0x9b, 0x24, (byte) 0xac}, p.data());
    }

    @Test
    void twoAndOneBitUseQuartersAndEighths() {
        byte[] two = {3, 2, 1, 0};                 // [g=4, M=1]
        assertArrayEquals(new byte[] {(byte) 0b11_10_01_00}, BitPacker.pack(two, 4, 1, 2).data());
        byte[] one = {1, 0, 1, 1, 0, 0, 0, 1};     // [g=8, M=1]
        assertArrayEquals(new byte[] {(byte) 0b1011_0001}, BitPacker.pack(one, 8, 1, 1).data());
    }

    @Test
    void threeBitWordsHoldTenRowsFromTheTopBitsDown() {
        byte[] codes = {1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 7};   // [g=11, M=1]: t = 2 words, rows padded to 20
        BitPacker.Packed p = BitPacker.pack(codes, 11, 1, 3);
        assertEquals("3bit_32", p.packing());
        ByteBuffer b = ByteBuffer.wrap(p.data()).order(ByteOrder.LITTLE_ENDIAN);
        // word 0 holds rows 0, 2, 4, ..., 18; word 1 rows 1, 3, ..., 19 (rows >= 11 are zero)
        int w0 = 1 << 27 | 3 << 24 | 5 << 21 | 7 << 18 | 1 << 15 | 7 << 12;
        int w1 = 2 << 27 | 4 << 24 | 6 << 21 | 0 << 18 | 2 << 15;
        assertEquals(w0, b.getInt(0));
        assertEquals(w1, b.getInt(4));
    }

    static byte[] randomCodes(int bits, int n, long seed) {
        Random r = new Random(seed);
        byte[] c = new byte[n];
        for (int i = 0; i < n; i++) {
            c[i] = (byte) r.nextInt(1 << bits);
        }
        return c;
    }
}
