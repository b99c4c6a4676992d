package org.lmqt.quant.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.KvCache;
import org.lmqt.model.KvPolicy;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.LoadedModel;

/** The KV-cache methods inside the decoder: where the cache is quantized in prefill and decode, and the errors. */
class KvModelTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    @TempDir
    static Path tmp;
    private static LoadedModel loaded;
    private static LlamaModel model;   // head_dim 64, 2 KV heads, 2 layers

    @BeforeAll
    static void load() {
        Path dir = tmp.resolve("tiny");
        new TinyLlama(2, 256, 512, 4, 2, 512, 512, 10000.0, false, DType.BF16, 3).write(dir);
        loaded = LoadedModel.open(dir.toString(), ComputeDevice.CPU);
        model = loaded.model();
    }

    @AfterAll
    static void close() {
        loaded.close();
    }

    private static long[] ids(int n, long seed) {
        Random r = new Random(seed);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(512);
        }
        return ids;
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static float[] withPolicy(KvPolicy p, long[] ids) {
        model.setKvPolicy(p);
        try {
            return model.logits(ids);
        } finally {
            model.setKvPolicy(KvPolicy.EXACT);
        }
    }

    @Test
    void fullPassesReadTheQuantizedCacheOnlyWhereKiviQuantizes() {
        long[] shortIds = ids(20, 1);
        long[] longIds = ids(80, 2);
        KvPolicy kivi = KvMethods.parse("kivi2-g32-r32");
        // fewer tokens than the residual: KIVI quantizes nothing, the pass is exactly the plain one
        assertArrayEquals(model.logits(shortIds), withPolicy(kivi, shortIds));
        // 80 tokens: keys of 64 and values of 48 tokens are quantized, and attention reads them
        float[] exact = model.logits(longIds);
        float[] quant = withPolicy(kivi, longIds);
        assertTrue(maxAbsDiff(exact, quant) > 1e-3, "2-bit KIVI changes the logits");
        // the first positions attend only to the first keys; 4-bit errors are smaller than 2-bit ones
        float[] quant4 = withPolicy(KvMethods.parse("kivi4-g32-r32"), longIds);
        assertTrue(maxAbsDiff(exact, quant4) < maxAbsDiff(exact, quant));
    }

    @Test
    void vanillaPrefillAttendsExactlyAndStoresTheQuantizedCache() {
        long[] prompt = ids(64, 3);
        model.setKvPolicy(KvMethods.parse("kivi2-g32-r32"));
        try (NDScope scope = new NDScope(); KvCache vanilla = model.newCache(); KvCache withQuant = model.newCache(true)) {
            float[] exact = withPolicy(KvPolicy.EXACT, prompt);
            model.setKvPolicy(KvMethods.parse("kivi2-g32-r32"));
            assertArrayEquals(exact, model.forward(prompt, vanilla).toFloatArray(), "the prompt reads exact K/V");
            assertFalse(Arrays.equals(exact, model.forward(prompt, withQuant).toFloatArray()));
            assertEquals(64, vanilla.length());
            // what the cache holds: values of the last R = 32 tokens exact, the first 32 and all keys quantized
            model.setKvPolicy(KvPolicy.EXACT);
            try (KvCache plain = model.newCache()) {
                model.forward(prompt, plain);
                for (int layer = 0; layer < 2; layer++) {
                    NDArray[] q = vanilla.contents(layer);
                    NDArray[] e = plain.contents(layer);
                    assertArrayEquals(e[1].get(":, 32:, :").toFloatArray(), q[1].get(":, 32:, :").toFloatArray());
                    assertFalse(Arrays.equals(e[1].get(":, :32, :").toFloatArray(), q[1].get(":, :32, :").toFloatArray()));
                    assertFalse(Arrays.equals(e[0].toFloatArray(), q[0].toFloatArray()));
                }
                // a decode step appends its token exactly to the key residual (64 % 32 = 0: the residual was empty)
                model.setKvPolicy(KvMethods.parse("kivi2-g32-r32"));
                long[] next = {7};
                model.forward(next, vanilla);
                model.forward(next, plain);
                NDArray[] q = vanilla.contents(0);
                NDArray[] e = plain.contents(0);
                assertArrayEquals(e[0].get(":, 64:, :").toFloatArray(), q[0].get(":, 64:, :").toFloatArray());
                assertEquals(65, vanilla.length());
            }
        } finally {
            model.setKvPolicy(KvPolicy.EXACT);
        }
    }

    @Test
    void naiveInt8IsCloseButNotExact() {
        long[] ids = ids(40, 4);
        float[] exact = model.logits(ids);
        float[] naive = withPolicy(KvMethods.parse("naive8"), ids);
        float[] naive2 = withPolicy(KvMethods.parse("naive2"), ids);
        float d8 = maxAbsDiff(exact, naive);
        assertTrue(d8 > 0 && d8 < maxAbsDiff(exact, naive2), "int8 " + d8 + " vs int2 " + maxAbsDiff(exact, naive2));
    }

    @Test
    void naiveFp8ChangesTheLogitsLessForE4m3ThanForE5m2() {
        long[] ids = ids(40, 4);
        float[] exact = model.logits(ids);
        // e4m3 has one more mantissa bit than e5m2: a smaller error on the same cache
        float e4m3 = maxAbsDiff(exact, withPolicy(KvMethods.parse("naive-e4m3"), ids));
        float e5m2 = maxAbsDiff(exact, withPolicy(KvMethods.parse("naive-e5m2"), ids));
        assertTrue(e4m3 > 0 && e4m3 < e5m2, "e4m3 " + e4m3 + " vs e5m2 " + e5m2);
    }

    @Test
    void decodeAgreementCountsTheCommonPrefix() {
        model.setKvPolicy(KvMethods.parse("naive8"));
        try {
            DecodeAgreement a = DecodeAgreement.measure(model, ids(10, 5), 12, false);
            assertEquals(12, a.exact().length);
            int n = 0;
            while (n < 12 && a.exact()[n] == a.quantized()[n]) {
                n++;
            }
            assertEquals(n, a.agreeing());
            assertEquals("naive8", model.kvPolicy().name(), "the policy is restored");
        } finally {
            model.setKvPolicy(KvPolicy.EXACT);
        }
        // the exact cache agrees with itself everywhere
        DecodeAgreement self = DecodeAgreement.measure(model, ids(10, 5), 12, false);
        assertEquals(12, self.agreeing());
    }

    @Test
    void badConfigsGetOneLineErrors() {
        UserException e = assertThrows(UserException.class, () -> model.setKvPolicy(KvMethods.parse("kivi2-g48-r96")));
        assertTrue(e.getMessage().contains("does not divide head_dim 64"), e.getMessage());
        assertThrows(UserException.class, () -> model.setKvPolicy(KvMethods.parse("naive4-g48")));
        assertThrows(IllegalArgumentException.class, () -> KvMethods.parse("kivi3"));
        assertThrows(IllegalArgumentException.class, () -> KvMethods.parse("kivi2-g32-r48"));
        assertThrows(IllegalArgumentException.class, () -> KvMethods.parse("zip"));
        assertEquals(KvPolicy.EXACT, model.kvPolicy());
    }

    @Test
    void namesAndBytesPerToken() {
        assertEquals("kivi2-g32-r128", KvMethods.parse("kivi2").name());
        assertEquals("kivi-k4v2-g64-r64", KvMethods.parse("kivi-k4v2-g64-r64").name());
        assertEquals("naive8", KvMethods.parse("naive8").name());
        // one layer, one head of 64: fp16 K+V 256 bytes; KIVI-2 g32: 2 x (16 code bytes + 2 groups x 4 bytes) = 48
        assertEquals(256, KvPolicy.EXACT.bytesPerToken(1, 1, 64));
        assertEquals(48, KvMethods.parse("kivi2").bytesPerToken(1, 1, 64), 1e-9);
        // naive int8 per token: 2 x (64 + 2 bytes of step)
        assertEquals(132, KvMethods.parse("naive8").bytesPerToken(1, 1, 64), 1e-9);
    }
}
