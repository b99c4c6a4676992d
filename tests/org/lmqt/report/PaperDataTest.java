package org.lmqt.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;

class PaperDataTest {
    private static final Path SHARED = TestData.shared("paper-data");

    @TempDir
    Path dir;

    @Test
    void theSharedCopyMatchesTheManifest() {
        assertEquals(List.of(), PaperData.verify(SHARED));
        assertTrue(PaperData.manifest().containsKey("data-vis/data/combined.csv"));
    }

    @Test
    void extractsOnlyManifestFilesFromGithubsArchiveLayout() throws Exception {
        String a = "data-vis/data/combined.csv";
        String b = "src/data/fnorm-Llama-2-7b-hf.csv";
        byte[] tgz = tarGz("lm-quant-toolkit-44f5f2e/", List.of(a, b, "README.md"),
                List.of(Files.readAllBytes(SHARED.resolve(a)), Files.readAllBytes(SHARED.resolve(b)), "hello".getBytes()));
        List<String> written = PaperData.extract(new ByteArrayInputStream(tgz), dir);
        assertEquals(List.of(a, b), written);
        assertFalse(Files.exists(dir.resolve("README.md")));
        List<String> problems = PaperData.verify(dir);
        assertEquals(PaperData.manifest().size() - 2, problems.size());
        assertTrue(problems.stream().allMatch(p -> p.startsWith("missing ")));
    }

    @Test
    void reportsChangedFiles() throws Exception {
        for (String rel : PaperData.manifest().keySet()) {
            Path to = dir.resolve(rel);
            Files.createDirectories(to.getParent());
            Files.copy(SHARED.resolve(rel), to);
        }
        Files.writeString(dir.resolve("utils/dense.txt"), "2.13\n", java.nio.file.StandardOpenOption.APPEND);
        assertEquals(List.of("checksum mismatch utils/dense.txt"), PaperData.verify(dir));
    }

    // a minimal ustar writer: 512-byte header (name, mode, size, checksum, type, magic), data padded to 512
    private static byte[] tarGz(String top, List<String> names, List<byte[]> bodies) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            for (int i = 0; i < names.size(); i++) {
                byte[] h = new byte[512];
                put(h, 0, top + names.get(i));
                put(h, 100, "0000644");
                put(h, 124, String.format("%011o", bodies.get(i).length));
                put(h, 136, String.format("%011o", 0));
                h[156] = '0';
                put(h, 257, "ustar");
                put(h, 263, "00");
                java.util.Arrays.fill(h, 148, 156, (byte) ' ');
                int sum = 0;
                for (byte x : h) {
                    sum += x & 0xff;
                }
                put(h, 148, String.format("%06o", sum));
                out.write(h);
                out.write(bodies.get(i));
                out.write(new byte[(512 - bodies.get(i).length % 512) % 512]);
            }
            out.write(new byte[1024]);
        }
        return bytes.toByteArray();
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }
}
