package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.device.ComputeDevice;

/** Hooks see every part, linear layer and K/V in the documented order, and their transforms reach the output. */
class ForwardHookTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static final Path GQA = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");
    private static final long[] IDS = {1, 17, 200, 3, 45, 45, 99, 7};

    @Test
    void hooksSeeEveryStageInOrderAndIdentityHooksChangeNothing() {
        try (LoadedModel m = LoadedModel.open(GQA.toString(), ComputeDevice.CPU)) {
            float[] plain = m.model().logits(IDS);
            List<String> events = new ArrayList<>();
            ForwardHook recorder = new ForwardHook() {
                @Override
                public NDArray partInput(int layer, BlockPart part, NDArray x) {
                    events.add(layer + " " + part.label() + " " + x.getShape());
                    return x;
                }

                @Override
                public NDArray linearInput(MatrixKey key, NDArray x) {
                    events.add(key.id() + " in");
                    return x;
                }

                @Override
                public NDArray keys(int layer, NDArray k) {
                    events.add(layer + " keys " + k.getShape());
                    return k;
                }

                @Override
                public NDArray values(int layer, NDArray v) {
                    events.add(layer + " values " + v.getShape());
                    return v;
                }
            };
            try (var hook = m.model().addHook(recorder)) {
                assertArrayEquals(plain, m.model().logits(IDS), "observing changes nothing");
            }
            List<String> layer0 = events.subList(0, events.size() / 2);
            assertEquals(List.of("0 attn_in (8, 64)", "0.self_attn.q_proj in", "0.self_attn.k_proj in",
                    "0.self_attn.v_proj in", "0 keys (2, 8, 16)", "0 values (2, 8, 16)", "0 attn_out (8, 64)",
                    "0.self_attn.o_proj in", "0 mlp_gate (8, 64)", "0.mlp.gate_proj in", "0.mlp.up_proj in",
                    "0 mlp_down (8, 176)", "0.mlp.down_proj in"), layer0);
            assertEquals(26, events.size(), "two layers");
            events.clear();
            m.model().logits(IDS);
            assertTrue(events.isEmpty(), "a closed registration removes the hook");
        }
    }

    @Test
    void transformsReachTheOutput() {
        try (LoadedModel m = LoadedModel.open(GQA.toString(), ComputeDevice.CPU)) {
            float[] plain = m.model().logits(IDS);
            // zero values: attention contributes nothing, exactly as a zero input of o_proj does
            float[] noValues;
            try (var hook = m.model().addHook(new ForwardHook() {
                @Override
                public NDArray values(int layer, NDArray v) {
                    return v.zerosLike();
                }
            })) {
                noValues = m.model().logits(IDS);
            }
            float[] noAttnOut;
            try (var hook = m.model().addHook(new ForwardHook() {
                @Override
                public NDArray partInput(int layer, BlockPart part, NDArray x) {
                    return part == BlockPart.ATTN_OUT ? x.zerosLike() : x;
                }
            })) {
                noAttnOut = m.model().logits(IDS);
            }
            assertFalse(Arrays.equals(plain, noValues));
            assertArrayEquals(noAttnOut, noValues);
            // doubling down_proj's output of layer 1 through linearOutput equals doubling its input
            float[] viaOutput;
            float[] viaInput;
            try (var hook = m.model().addHook(new ForwardHook() {
                @Override
                public NDArray linearOutput(MatrixKey key, NDArray y) {
                    return key.equals(new MatrixKey(1, "mlp.down_proj")) ? y.mul(2) : y;
                }
            })) {
                viaOutput = m.model().logits(IDS);
            }
            try (var hook = m.model().addHook(new ForwardHook() {
                @Override
                public NDArray linearInput(MatrixKey key, NDArray x) {
                    return key.equals(new MatrixKey(1, "mlp.down_proj")) ? x.mul(2) : x;
                }
            })) {
                viaInput = m.model().logits(IDS);
            }
            assertFalse(Arrays.equals(plain, viaOutput));
            assertArrayEquals(viaOutput, viaInput, 1e-5f);
        }
    }

    @Test
    void keysAndValuesOfIncrementalStepsArriveOneTokenAtATime() {
        try (LoadedModel m = LoadedModel.open(GQA.toString(), ComputeDevice.CPU)) {
            List<Long> lengths = new ArrayList<>();
            try (var hook = m.model().addHook(new ForwardHook() {
                @Override
                public NDArray keys(int layer, NDArray k) {
                    if (layer == 0) {
                        lengths.add(k.getShape().get(1));
                    }
                    return k;
                }
            }); KvCache cache = m.model().newCache(); NDScope scope = new NDScope()) {
                m.model().forward(IDS, cache);
                m.model().forward(new long[] {5}, cache);
                m.model().forward(new long[] {6}, cache);
            }
            assertEquals(List.of(8L, 1L, 1L), lengths);
        }
    }

    /** A block run alone gives the hidden states the full forward pass gives after that block. */
    @Test
    void blocksRunOneAtATimeGiveTheFullForwardPass() {
        try (LoadedModel m = LoadedModel.open(GQA.toString(), ComputeDevice.CPU); NDScope scope = new NDScope()) {
            LlamaModel model = m.model();
            NDArray h = model.embed(IDS);                                   // [T, hidden]
            Positions pos = model.positions(0, IDS.length);
            for (int i = 0; i < model.numLayers(); i++) {
                h = model.block(i, h, pos);
            }
            assertArrayEquals(model.logits(IDS), model.head(h).toFloatArray());
        }
    }
}
