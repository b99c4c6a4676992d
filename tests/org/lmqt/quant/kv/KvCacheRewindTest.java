package org.lmqt.quant.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lmqt.TestData;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.KvCache;
import org.lmqt.model.KvPolicy;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.LoadedModel;

/**
 * {@link KvCache#snapshot} and {@link KvCache#restore} on the tiny GQA model (head_dim 16), for the exact cache and
 * the quantizing policies: after a restore, later calls give bit for bit what a cache that never ran the discarded
 * tokens gives, also when those tokens made KIVI quantize its residual windows.
 */
class KvCacheRewindTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static LoadedModel loaded;
    private static LlamaModel model;

    @BeforeAll
    static void open() {
        loaded = LoadedModel.open(TestData.shared("fixtures/llama/tiny-llama-gqa-bf16").toString(), ComputeDevice.CPU);
        model = loaded.model();
    }

    @AfterAll
    static void close() {
        model.setKvPolicy(KvPolicy.EXACT);
        loaded.close();
    }

    private static long[] ids(int n, long seed) {
        Random r = new Random(seed);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 3 + r.nextInt(250);
        }
        return ids;
    }

    /** Logits of each of {@code steps} (one call each) after the cache's contents, concatenated. */
    private static float[] run(KvCache cache, long[]... steps) {
        float[][] parts = new float[steps.length][];
        int n = 0;
        for (int i = 0; i < steps.length; i++) {
            try (NDScope scope = new NDScope()) {
                parts[i] = model.forward(steps[i], cache).toFloatArray();
            }
            n += parts[i].length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** Every layer's keys and values as the next call reads them. */
    private static float[][] contents(KvCache cache) {
        float[][] out = new float[2 * model.numLayers()][];
        for (int l = 0; l < model.numLayers(); l++) {
            NDArray[] kv = cache.contents(l);
            out[2 * l] = kv[0].toFloatArray();
            out[2 * l + 1] = kv[1].toFloatArray();
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "kivi2-g16-r32", "kivi-k4v2-g16-r16", "naive8", "naive4-tensor"})
    void aRestoredCacheContinuesAsIfTheDiscardedTokensNeverRan(String method) {
        model.setKvPolicy(KvMethods.parse(method));
        try {
            long[] prompt = ids(40, 1);
            long[] discarded = ids(30, 2);   // 40 + 30 tokens: KIVI quantizes a full key residual of R and values
            long[] kept = ids(5, 3);
            long[] next = {42};
            float[] want;
            float[][] wantContents;
            try (KvCache fresh = model.newCache(true)) {
                run(fresh, prompt);
                want = run(fresh, kept, next);
                wantContents = contents(fresh);
            }
            try (KvCache cache = model.newCache(true)) {
                run(cache, prompt);
                try (KvCache.Snapshot mark = cache.snapshot()) {
                    // the discarded tokens, one step at a time (decode steps), then a restore
                    for (long id : discarded) {
                        run(cache, new long[] {id});
                    }
                    assertEquals(70, cache.length());
                    cache.restore(mark);
                    assertEquals(40, cache.length());
                    assertEquals(40, mark.length());
                    float[] got = run(cache, kept, next);
                    assertArrayEquals(want, got, method);
                    float[][] gotContents = contents(cache);
                    for (int i = 0; i < wantContents.length; i++) {
                        assertArrayEquals(wantContents[i], gotContents[i], method + " cache part " + i);
                    }
                    // the snapshot serves again after it was restored once
                    cache.restore(mark);
                    assertArrayEquals(want, run(cache, kept, next), method + ", second restore");
                }
            }
        } finally {
            model.setKvPolicy(KvPolicy.EXACT);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "kivi2-g16-r32"})
    void anEmptySnapshotRestoresAFreshCacheAndForeignOnesAreRefused(String method) {
        model.setKvPolicy(KvMethods.parse(method));
        try (KvCache cache = model.newCache(true); KvCache other = model.newCache(true)) {
            long[] prompt = ids(50, 4);
            float[] want = run(other, prompt);
            KvCache.Snapshot empty = cache.snapshot();
            run(cache, ids(33, 5));
            cache.restore(empty);
            assertEquals(0, cache.length());
            // a restored empty cache runs a prefill again (KIVI's prefill rule, not its decode rule)
            assertArrayEquals(want, run(cache, prompt), method);
            KvCache.Snapshot foreign = other.snapshot();
            assertThrows(IllegalArgumentException.class, () -> cache.restore(foreign));
            empty.close();
            assertThrows(IllegalStateException.class, () -> cache.restore(empty));
        } finally {
            model.setKvPolicy(KvPolicy.EXACT);
        }
    }
}
