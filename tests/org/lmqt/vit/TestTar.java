package org.lmqt.vit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes minimal ustar files for tests. */
final class TestTar {
    record Entry(String name, byte[] data) {}

    private TestTar() {}

    static void write(Path file, List<Entry> entries) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Entry e : entries) {
            byte[] h = new byte[512];
            put(h, 0, e.name());
            put(h, 100, "0000644");
            put(h, 108, "0000000");
            put(h, 116, "0000000");
            put(h, 124, String.format("%011o", e.data().length));
            put(h, 136, String.format("%011o", 0));
            h[156] = '0';
            put(h, 257, "ustar");
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            int sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, String.format("%06o", sum));
            out.write(h);
            out.write(e.data());
            out.write(new byte[(512 - e.data().length % 512) % 512]);
        }
        out.write(new byte[1024]);
        Files.write(file, out.toByteArray());
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }
}
