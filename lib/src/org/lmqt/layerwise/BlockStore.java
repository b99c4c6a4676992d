package org.lmqt.layerwise;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.SafetensorsWriter;
import org.lmqt.io.AtomicFiles;
import org.lmqt.io.FileTrees;
import org.lmqt.quant.awq.AwqMatrix;
import org.lmqt.quant.gptq.GptqMatrix;

/**
 * The finished blocks of a layer-wise method on disk, so that a run killed in the middle of quantizing resumes from
 * the last finished block: one {@code block-<i>.safetensors} per block (written atomically) with the block's matrices
 * exactly as computed (codes, float32 scales and zeros, group indices) and, for AWQ, its scaled norms. A
 * {@code fingerprint} file names what the blocks were computed from (method, config, model, calibration windows); a
 * store opened with another fingerprint starts empty. {@link #NONE} keeps nothing.
 */
public final class BlockStore {
    /** A store that keeps nothing (no resume). */
    public static final BlockStore NONE = new BlockStore(null);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FINGERPRINT = "fingerprint";

    private final Path dir;

    private BlockStore(Path dir) {
        this.dir = dir;
    }

    /** The store in {@code dir} for work named {@code fingerprint}; blocks of other work there are deleted. */
    public static BlockStore at(Path dir, String fingerprint) {
        try {
            Path file = dir.resolve(FINGERPRINT);
            if (Files.isRegularFile(file) && !Files.readString(file).equals(fingerprint)) {
                FileTrees.delete(dir);
            }
            Files.createDirectories(dir);
            if (!Files.isRegularFile(file)) {
                AtomicFiles.writeString(file, fingerprint);
            }
            return new BlockStore(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when block {@code i} is finished and stored. */
    public boolean has(int i) {
        return dir != null && Files.isRegularFile(file(i));
    }

    /** Removes the store (after the result is saved). */
    public void delete() {
        if (dir != null) {
            try {
                FileTrees.delete(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Stores block {@code i}'s GPTQ matrices. */
    public void saveGptq(int i, Map<MatrixKey, GptqMatrix> matrices) {
        if (dir == null) {
            return;
        }
        SafetensorsWriter w = new SafetensorsWriter();
        ObjectNode meta = JSON.createObjectNode();
        matrices.forEach((key, m) -> {
            String p = key.id();
            w.putBytes(p + ".codes", DType.U8, m.shape(), m.codes());
            w.put(p + ".scales", DType.F32, new int[] {m.scales().length}, m.scales());
            w.put(p + ".zeros", DType.F32, new int[] {m.zeros().length}, m.zeros());
            w.putInts(p + ".g_idx", new int[] {m.gIdx().length}, m.gIdx());
            meta.putObject(p).put("bits", m.bits()).put("group", m.group()).put("sym", m.sym());
        });
        w.metadata("matrices", meta.toString()).write(file(i));
    }

    /** Block {@code i}'s GPTQ matrices, in the order stored. */
    public Map<MatrixKey, GptqMatrix> loadGptq(int i) {
        Map<MatrixKey, GptqMatrix> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file(i))) {
            JsonNode meta = JSON.readTree(f.metadata().get("matrices"));
            for (var it = meta.fields(); it.hasNext(); ) {
                var e = it.next();
                String p = e.getKey();
                JsonNode m = e.getValue();
                long[] gIdx = f.longs(p + ".g_idx");
                int[] g = new int[gIdx.length];
                for (int c = 0; c < g.length; c++) {
                    g[c] = (int) gIdx[c];
                }
                out.put(MatrixKey.parse(p), new GptqMatrix(f.entry(p + ".codes").shape(), m.path("bits").asInt(),
                        m.path("group").asInt(), m.path("sym").asBoolean(), f.readBytes(p + ".codes"),
                        f.tensor(p + ".scales").data(), f.tensor(p + ".zeros").data(), g));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Stores block {@code i}'s AWQ matrices and scaled norms. */
    public void saveAwq(int i, Map<MatrixKey, AwqMatrix> matrices, Map<String, float[]> norms) {
        if (dir == null) {
            return;
        }
        SafetensorsWriter w = new SafetensorsWriter();
        ObjectNode meta = JSON.createObjectNode();
        matrices.forEach((key, m) -> {
            String p = key.id();
            w.putBytes(p + ".codes", DType.U8, m.shape(), m.codes());
            w.put(p + ".scales", DType.F32, new int[] {m.scales().length}, m.scales());
            w.put(p + ".zeros", DType.F32, new int[] {m.zeros().length}, m.zeros());
            meta.putObject(p).put("bits", m.bits()).put("group", m.group());
        });
        norms.forEach((name, v) -> w.put("norm." + name, DType.F32, new int[] {v.length}, v));
        w.metadata("matrices", meta.toString()).write(file(i));
    }

    /** Block {@code i}'s AWQ result. */
    public AwqModelQuantizer.Result loadAwq(int i) {
        Map<MatrixKey, AwqMatrix> matrices = new LinkedHashMap<>();
        Map<String, float[]> norms = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file(i))) {
            JsonNode meta = JSON.readTree(f.metadata().get("matrices"));
            for (var it = meta.fields(); it.hasNext(); ) {
                var e = it.next();
                String p = e.getKey();
                matrices.put(MatrixKey.parse(p), new AwqMatrix(f.entry(p + ".codes").shape(),
                        e.getValue().path("bits").asInt(), e.getValue().path("group").asInt(),
                        f.readBytes(p + ".codes"), f.tensor(p + ".scales").data(), f.tensor(p + ".zeros").data()));
            }
            for (String name : f.entries().keySet()) {
                if (name.startsWith("norm.")) {
                    norms.put(name.substring("norm.".length()), f.tensor(name).data());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new AwqModelQuantizer.Result(matrices, norms);
    }

    private Path file(int i) {
        return dir.resolve("block-" + i + ".safetensors");
    }
}
