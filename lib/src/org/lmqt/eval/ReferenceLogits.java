package org.lmqt.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.SafetensorsWriter;
import org.lmqt.cli.UserException;
import org.lmqt.model.LlamaModel;

/**
 * The unquantized model's logits that {@link KlDivergence} compares with: computed by a model in this process, or
 * read from a file {@link #save} wrote in an earlier run, so the reference pass of a large model is done once. The
 * file is a safetensors file with one F32 tensor {@code logits.<k>} {@code [rows, vocab]} per window {@code k} (the rows
 * that predict the window's scored tokens, the reference head's float32 output as it is, so KL from the file equals
 * KL from the live model bit for bit) and metadata naming the protocol, the vocabulary and a SHA-256 of the token ids
 * (a file made for other tokens or windows is refused in one line).
 */
public interface ReferenceLogits extends AutoCloseable {

    /** The vocabulary size. */
    int vocabSize();

    /** The reference for window {@code k} of the protocol, whose tokens are {@code input}. */
    Window window(int k, long[] input);

    /** Frees what the reference holds (a file's mapping; a model is closed by its owner). */
    @Override
    default void close() {}

    /** One window's reference. */
    interface Window {
        /** Float32 logits {@code [b - a, vocab]} of the rows {@code [a, b)} of the window. */
        NDArray logits(int a, int b);
    }

    /** The live model {@code model} (not closed here). */
    static ReferenceLogits of(LlamaModel model) {
        return new ReferenceLogits() {
            @Override
            public int vocabSize() {
                return model.vocabSize();
            }

            @Override
            public Window window(int k, long[] input) {
                NDArray h = model.hidden(input);                                     // [len, hidden]
                return (a, b) -> model.head(h.get(new NDIndex(a + ":" + b)));      // [rows, V]
            }
        };
    }

    /**
     * Writes {@code model}'s logits for every scored row of {@code protocol}'s windows over {@code ids} to {@code file}
     * (streamed window by window: memory stays one window's logits); {@code onWindow} sees each finished window.
     */
    static void save(LlamaModel model, Perplexity protocol, long[] ids, Path file, IntConsumer onWindow) {
        Perplexity.Window[] windows = protocol.windows(ids.length);
        int vocab = model.vocabSize();
        List<SafetensorsWriter.Spec> specs = new ArrayList<>();
        for (int k = 0; k < windows.length; k++) {
            specs.add(new SafetensorsWriter.Spec("logits." + k, DType.F32, new int[] {rows(windows[k]), vocab}));
        }
        try (SafetensorsWriter.Streaming out = SafetensorsWriter.stream(file, specs, metadata(protocol, ids, vocab))) {
            for (int k = 0; k < windows.length; k++) {
                Perplexity.Window w = windows[k];
                long[] input = Arrays.copyOfRange(ids, w.begin(), w.end());           // [len]
                int first = firstRow(w);
                float[] logits = new float[rows(w) * vocab];                          // [rows, V]
                try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
                    Window ref = of(model).window(k, input);
                    // the slices KlDivergence asks for, so the saved rows are the ones it would compute
                    for (int a = first; a < input.length - 1; a += LlamaModel.NLL_ROWS) {
                        int b = Math.min(a + LlamaModel.NLL_ROWS, input.length - 1);
                        float[] slice = ref.logits(a, b).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                                .toFloatArray();                                      // [b - a, V]
                        System.arraycopy(slice, 0, logits, (a - first) * vocab, slice.length);
                    }
                }
                out.write(logits);
                onWindow.accept(k);
            }
            out.commit();
        }
    }

    /** The logits {@link #save} wrote to {@code file}, checked against {@code protocol} and {@code ids}. */
    static ReferenceLogits saved(Path file, Perplexity protocol, long[] ids, NDManager manager) {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, String> meta = f.metadata();
        int vocab;
        try {
            vocab = Integer.parseInt(meta.getOrDefault("vocab", "-1"));
            Map<String, String> expected = metadata(protocol, ids, vocab);
            for (String key : List.of("format", "max_length", "stride", "tokens", "ids_sha256")) {
                if (!expected.get(key).equals(meta.get(key))) {
                    throw new UserException(file + ": reference logits for other " + (key.equals("ids_sha256")
                            ? "tokens" : key) + " (" + meta.get(key) + ", this run " + expected.get(key) + ")");
                }
            }
        } catch (RuntimeException e) {
            f.close();
            throw e instanceof UserException u ? u : new UserException(file + ": not a reference-logits file ("
                    + e.getMessage() + ")");
        }
        Perplexity.Window[] windows = protocol.windows(ids.length);
        return new ReferenceLogits() {
            @Override
            public int vocabSize() {
                return vocab;
            }

            @Override
            public Window window(int k, long[] input) {
                int first = firstRow(windows[k]);                                   // the window's first scored row
                float[] all = f.tensor("logits." + k).data();                       // [rows, V]
                return (a, b) -> manager.create(Arrays.copyOfRange(all, (a - first) * vocab, (b - first) * vocab),
                        new Shape(b - a, vocab));                                    // [b - a, V]
            }

            @Override
            public void close() {
                f.close();
            }
        };
    }

    /** Rows of a window that predict its scored tokens. */
    private static int rows(Perplexity.Window w) {
        return (w.end() - w.begin() - 1) - firstRow(w);
    }

    /** The first predicting row of a window: the row before its first scored token (never before row 0). */
    private static int firstRow(Perplexity.Window w) {
        return Math.max(w.end() - w.begin() - w.targets(), 1) - 1;
    }

    private static Map<String, String> metadata(Perplexity protocol, long[] ids, int vocab) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "lmqt-reference-logits/1");
        m.put("max_length", Integer.toString(protocol.maxLength()));
        m.put("stride", Integer.toString(protocol.stride()));
        m.put("tokens", Integer.toString(ids.length));
        m.put("vocab", Integer.toString(vocab));
        m.put("ids_sha256", sha256(ids));
        return m;
    }

    private static String sha256(long[] ids) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(8);
            for (long id : ids) {
                sha.update(b.clear().putLong(id).array());
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
