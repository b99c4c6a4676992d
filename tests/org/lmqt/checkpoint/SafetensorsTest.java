package org.lmqt.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void writeThenReadEveryFloatType() {
        float[] values = {1.5f, -2.25f, 0x1p-8f, 65504f, 0f, -0f};   // [2, 3], all exact in fp16
        Path f = dir.resolve("t.safetensors");
        new SafetensorsWriter().put("a", DType.F32, new int[] {2, 3}, values).put("b", DType.F16, new int[] {6}, values)
                .put("c", DType.BF16, new int[] {3, 2}, values).putLongs("ids", new int[] {3}, new long[] {7, 8, 9})
                .metadata("format", "pt").write(f);
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertEquals("pt", s.metadata().get("format"));
            assertArrayEquals(values, s.tensor("a").data(), 0f);
            assertArrayEquals(new int[] {2, 3}, s.tensor("a").shape());
            assertArrayEquals(values, s.tensor("b").data(), 0f);   // exact in fp16
            float[] bf = s.tensor("c").data();
            for (int i = 0; i < values.length; i++) {
                assertEquals(Floats.bf16ToFloat(Floats.floatToBf16(values[i])), bf[i], 0f);
            }
            assertEquals(DType.BF16, s.tensor("c").storage());
            assertArrayEquals(new long[] {7, 8, 9}, s.longs("ids"));
        }
    }

    @Test
    void headerIsPaddedToEightBytes() throws IOException {
        Path f = dir.resolve("p.safetensors");
        new SafetensorsWriter().put("x", DType.F32, new int[] {1}, new float[] {1}).write(f);
        long n = ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
    }

    @Test
    void bf16RoundsHalfToEven() {
        // 1 + 2^-8 lies exactly halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even one (1)
        assertEquals(1f, Floats.bf16ToFloat(Floats.floatToBf16(1f + 0x1p-8f)));
        assertEquals(1f + 0x1p-6f, Floats.bf16ToFloat(Floats.floatToBf16(1f + 0x1p-7f + 0x1p-8f)));
    }

    // ---- bad input: one-line CheckpointException naming the problem --------------------------------------------

    @Test
    void missingFile() {
        assertMessage(dir.resolve("nope.safetensors"), "no such file");
    }

    @Test
    void truncatedBeforeTheHeaderLength() throws IOException {
        Path f = dir.resolve("short.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertMessage(f, "truncated");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        Path f = dir.resolve("len.safetensors");
        Files.write(f, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        assertMessage(f, "beyond the file");
    }

    @Test
    void invalidHeaderJson() throws IOException {
        assertMessage(raw("{\"a\": [", new byte[0]), "invalid header JSON");
    }

    @Test
    void offsetsOutsideTheData() throws IOException {
        assertMessage(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]), "outside the data");
    }

    @Test
    void unknownDtype() throws IOException {
        assertMessage(raw("{\"a\":{\"dtype\":\"F7\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]), "unknown dtype 'F7'");
    }

    @Test
    void offsetsThatDoNotMatchTheShape() throws IOException {
        assertMessage(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]), "needs 12");
    }

    @Test
    void truncatedData() throws IOException {
        Path f = dir.resolve("full.safetensors");
        new SafetensorsWriter().put("x", DType.F32, new int[] {100}, new float[100]).write(f);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 10));
        assertMessage(f, "outside the data");
    }

    private Path raw(String header, byte[] data) throws IOException {
        Path f = dir.resolve("raw.safetensors");
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Files.write(f, b.array());
        return f;
    }

    private static void assertMessage(Path f, String part) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(f).close());
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
