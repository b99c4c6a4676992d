package org.lmqt.actquant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.SafetensorsWriter;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.UserException;
import org.lmqt.io.FileTrees;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.FakeQuantMatrix;
import org.lmqt.quant.IntCodes;
import org.lmqt.quant.QuantizedMatrix;

/**
 * A snapshot of a fake-quantization method (SmoothQuant, ZeroQuant with or without LKD, FP8/FP4, MX): the folder
 * holds {@value #FILE}, {@value #RECIPE}, {@code config.json} and the tokenizer files of the source model.
 * <ul>
 * <li>{@value #FILE}: per quantized linear (module path {@code P}) either its integer codes
 * {@code P.weight_codes} (I8 {@code [out, in]}; codes of at most 4 bits two per byte, U8 {@code [out, in/2]}, the
 * even column in the low nibble, {@code "code_packing": "nibble"}) and steps {@code P.weight_steps} (F32 {@code [groups]}, row-major
 * groups; weight = code * step) for the integer formats that have them (SmoothQuant's int8 per channel / per
 * tensor, ZeroQuant's symmetric DeepSpeed groups), with zero points {@code P.weight_zeros} (F32 {@code [rows]};
 * weight = step * (code - zero), the codes read unsigned) for qllm-infer's asymmetric min-max, or the fake-quantized
 * values {@code P.weight} (F32) for the others (LLMC float, MX, DeepSpeed asymmetric); tensors a method changed (smoothed or distilled norm weights) as F32;
 * every other tensor as the checkpoint stores it. Metadata: {@code format} = {@value #FORMAT}, {@code matrices}
 * (JSON {@code "<layer>.<module>" -> {"format": ..., "bits_per_weight": ..., "shape": [out, in], "code_bits": b,
 * "code_packing": "nibble", "zero_points": true}}, the last two where they apply).</li>
 * <li>{@value #RECIPE}: {@code format}, {@code method} (algo, config and what it did, e.g. the LKD settings and
 * losses; descriptive), {@code activations} ({@link ActivationRecipe#toJson}: the linear inputs' format or static
 * steps, the in-place quirk, the attention matmul bits), which every loader reapplies.</li>
 * </ul>
 */
public final class FakeQuantSnapshot {
    /** The weights file. */
    public static final String FILE = "fqmodel.safetensors";
    /** The recipe file. */
    public static final String RECIPE = "fakequant.json";
    /** Format tag of both files. */
    public static final String FORMAT = "lmqt-fakequant/1";
    private static final List<String> COPIED = List.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model");
    private static final ObjectMapper JSON = new ObjectMapper();

    private FakeQuantSnapshot() {}

    /** True when {@code dir} holds a fake-quantization snapshot. */
    public static boolean isSnapshot(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE)) && Files.isRegularFile(dir.resolve(RECIPE));
    }

    /**
     * Writes the snapshot of {@code ckpt} with {@code matrices} quantized, {@code replaced} tensors (F32) and the
     * runtime's {@code activations} into {@code out}, through a temporary sibling folder renamed into place;
     * returns the bytes of {@value #FILE}.
     */
    public static long save(Checkpoint ckpt, Map<MatrixKey, FakeQuantMatrix> matrices, Map<String, float[]> replaced,
                            ActivationRecipe activations, ObjectNode method, Path out) {
        ModelFamily family = ckpt.family();
        SafetensorsWriter writer = new SafetensorsWriter();
        ObjectNode meta = JSON.createObjectNode();
        for (String name : ckpt.tensorNames()) {
            Optional<FakeQuantMatrix> q = MatrixKey.ofWeight(name, family).map(matrices::get);
            if (q.isPresent()) {
                MatrixKey key = MatrixKey.ofWeight(name, family).orElseThrow();
                String p = key.modulePath(family);
                FakeQuantMatrix m = q.get();
                ObjectNode mj = meta.putObject(key.id()).put("format", m.format())
                        .put("bits_per_weight", m.bitsPerWeight());
                mj.putArray("shape").add(m.shape()[0]).add(m.shape()[1]);
                if (m.codes().isPresent()) {
                    IntCodes c = m.codes().get();
                    if (c.bits() <= 4 && c.codes().length % 2 == 0 && m.shape()[1] % 2 == 0) {
                        // two 4-bit codes per byte, the even column in the low nibble
                        writer.putBytes(p + ".weight_codes", DType.U8, new int[] {m.shape()[0], m.shape()[1] / 2},
                                packNibbles(c.codes()));
                        mj.put("code_packing", "nibble");
                    } else {
                        writer.putBytes(p + ".weight_codes", DType.I8, m.shape(), c.codes());
                    }
                    writer.put(p + ".weight_steps", DType.F32, new int[] {c.steps().length}, c.steps());
                    if (c.minMax()) {
                        writer.put(p + ".weight_zeros", DType.F32, new int[] {c.zeros().length}, c.zeros());
                        mj.put("zero_points", true);
                    }
                    mj.put("code_bits", c.bits());
                } else {
                    writer.put(p + ".weight", DType.F32, m.shape(), m.values());
                }
            } else if (replaced.containsKey(name)) {
                Tensor t = ckpt.tensor(name);
                writer.put(name, DType.F32, t.shape(), replaced.get(name));
            } else {
                Tensor t = ckpt.tensor(name);
                writer.put(name, t.storage(), t.shape(), t.data());
            }
        }
        writer.metadata("format", FORMAT).metadata("matrices", meta.toString());
        ObjectNode recipe = JSON.createObjectNode().put("format", FORMAT);
        recipe.set("method", method);
        recipe.set("activations", activations.toJson());
        Path abs = out.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
        try {
            FileTrees.delete(tmp);
            Files.createDirectories(tmp);
            writer.write(tmp.resolve(FILE));
            Files.writeString(tmp.resolve(RECIPE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(recipe)
                    + "\n");
            for (String f : COPIED) {
                Path src = ckpt.dir().resolve(f);
                if (Files.isRegularFile(src)) {
                    Files.copy(src, tmp.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            long bytes = Files.size(tmp.resolve(FILE));
            FileTrees.delete(abs);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Two codes of at most 4 bits per byte: code {@code 2j} in the low nibble of byte {@code j}. */
    static byte[] packNibbles(byte[] codes) {
        byte[] out = new byte[codes.length / 2];
        for (int j = 0; j < out.length; j++) {
            out[j] = (byte) ((codes[2 * j] & 0xf) | (codes[2 * j + 1] & 0xf) << 4);
        }
        return out;
    }

    /** The inverse of {@link #packNibbles}; signed codes are sign-extended from 4 bits. */
    static byte[] unpackNibbles(byte[] packed, boolean signed) {
        byte[] out = new byte[packed.length * 2];
        for (int j = 0; j < packed.length; j++) {
            int lo = packed[j] & 0xf;
            int hi = (packed[j] >> 4) & 0xf;
            out[2 * j] = (byte) (signed ? (lo ^ 8) - 8 : lo);
            out[2 * j + 1] = (byte) (signed ? (hi ^ 8) - 8 : hi);
        }
        return out;
    }

    /** The runtime activation recipe a snapshot stores. */
    public static ActivationRecipe activations(Path dir) {
        return ActivationRecipe.fromJson(recipe(dir).path("activations"));
    }

    /** The recipe file's JSON. */
    public static JsonNode recipe(Path dir) {
        try {
            JsonNode r = JSON.readTree(dir.resolve(RECIPE).toFile());
            if (!FORMAT.equals(r.path("format").asText())) {
                throw new UserException(dir.resolve(RECIPE) + ": not an lmqt fake-quantization recipe (format '"
                        + r.path("format").asText() + "', expected " + FORMAT + ")");
            }
            return r;
        } catch (IOException e) {
            throw new UserException(dir.resolve(RECIPE) + ": unreadable recipe (" + e.getMessage() + ")");
        }
    }

    /** The snapshot's weights: the linears as {@link FakeQuantMatrix} (rebuilt from codes where stored so). */
    public static WeightSource source(Path dir) {
        ModelConfig config = ModelConfig.read(dir);
        ModelFamily family = ModelFamily.of(config);
        SafetensorsFile file = SafetensorsFile.open(dir.resolve(FILE));
        JsonNode matrices;
        try {
            if (!FORMAT.equals(file.metadata().get("format"))) {
                throw new UserException(dir.resolve(FILE) + ": not an lmqt fake-quantization snapshot (format '"
                        + file.metadata().get("format") + "', expected " + FORMAT + ")");
            }
            matrices = JSON.readTree(file.metadata().get("matrices"));
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e instanceof UserException u ? u
                    : new UserException(dir.resolve(FILE) + ": invalid snapshot metadata (" + e.getMessage() + ")");
        }
        return new WeightSource() {
            @Override
            public ModelConfig config() {
                return config;
            }

            @Override
            public boolean contains(String name) {
                return file.contains(name) || MatrixKey.ofWeight(name, family).map(k -> matrices.has(k.id()))
                        .orElse(false);
            }

            @Override
            public Optional<QuantizedMatrix> quantized(MatrixKey key) {
                return matrix(key).map(m -> m);
            }

            private Optional<FakeQuantMatrix> matrix(MatrixKey key) {
                JsonNode m = matrices.get(key.id());
                if (m == null) {
                    return Optional.empty();
                }
                String p = key.modulePath(family);
                int[] shape = {m.path("shape").path(0).asInt(), m.path("shape").path(1).asInt()};
                Optional<IntCodes> codes = file.contains(p + ".weight_codes")
                        ? Optional.of(new IntCodes(m.path("code_bits").asInt(),
                                m.path("code_packing").asText("").equals("nibble")
                                        ? unpackNibbles(file.readBytes(p + ".weight_codes"), !m.path("zero_points")
                                                .asBoolean(false))
                                        : file.readBytes(p + ".weight_codes"),
                                file.tensor(p + ".weight_steps").data(), file.contains(p + ".weight_zeros")
                                        ? file.tensor(p + ".weight_zeros").data() : new float[0]))
                        : Optional.empty();
                float[] values = codes.map(IntCodes::values).orElseGet(() -> file.tensor(p + ".weight").data());
                return Optional.of(new FakeQuantMatrix(m.path("format").asText(), shape, values,
                        m.path("bits_per_weight").asDouble(), codes));
            }

            @Override
            public Tensor tensor(String name) {
                Optional<FakeQuantMatrix> q = MatrixKey.ofWeight(name, family).flatMap(this::matrix);
                return q.map(m -> new Tensor(name, m.shape(), m.values(), DType.F32)).orElseGet(() -> file.tensor(name));
            }

            @Override
            public void close() {
                file.close();
            }
        };
    }
}
