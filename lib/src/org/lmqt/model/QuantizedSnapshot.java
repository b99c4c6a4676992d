package org.lmqt.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.SafetensorsWriter;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.UserException;
import org.lmqt.quant.PackedHqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.QuantPlan;
import org.lmqt.quant.QuantizedMatrix;
import org.lmqt.quant.WeightQuantizer;

/**
 * A quantized model folder: {@value #FILE} (every quantized linear layer in its format's tensors, the other
 * tensors in their original type, configs in the header's {@code __metadata__}), {@code config.json} and the
 * tokenizer files copied from the source model. The tensors of one HQQ/RTN layer are those of {@link PackedHqq}
 * under the module path ({@code model.layers.0.self_attn.q_proj.W_q}, {@code .scale_q}, {@code .meta_scale.*},
 * {@code .zero_q}, {@code .meta_zero.*}). Metadata: {@code format} = {@value #FORMAT}, {@code method}
 * ({@code hqq}/{@code rtn}, or {@code mixed}), {@code quant_config} (JSON object
 * {@code "<layer>.<module>" -> {"b1": 4, "g1": 64, "b2": 8, "g2": 128, "method": "hqq"}}: the weight bits and
 * group, the scale's meta bits and group; {@code method} defaults to the file's), {@code shapes} (JSON object
 * {@code P -> [out, in]}). Matrices the plan leaves unquantized are stored as in the checkpoint.
 */
public final class QuantizedSnapshot {
    /** The weights file of a snapshot. */
    public static final String FILE = "qmodel.safetensors";
    /** Format tag in the metadata. */
    public static final String FORMAT = "lmqt-hqq/1";
    private static final List<String> COPIED = List.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model");
    private static final ObjectMapper JSON = new ObjectMapper();

    private QuantizedSnapshot() {}

    /**
     * What a save did.
     *
     * @param dir         the snapshot folder
     * @param sizeBytes   bytes of {@value #FILE} on disk
     * @param quantSeconds wall time of quantizing all linear layers (excluding reading and writing)
     */
    public record Saved(Path dir, long sizeBytes, double quantSeconds) {}

    /** True when {@code dir} holds a snapshot. */
    public static boolean isSnapshot(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    /**
     * Quantizes every linear layer of {@code ckpt} with {@code plan} on {@code kernel} and writes a snapshot to
     * {@code out}; {@code onLayer} sees each matrix's module path when it is done.
     */
    public static Saved save(Checkpoint ckpt, QuantPlan plan, WeightQuantizer kernel, Path out,
                             Consumer<String> onLayer) {
        plan.methods().stream().filter(m -> !m.isHqq()).findFirst().ifPresent(m -> {
            throw notSupported(m.name().toLowerCase(Locale.ROOT));
        });
        QuantizedWeights quantized = new QuantizedWeights(ckpt, plan, kernel);
        ModelFamily family = ckpt.family();
        SafetensorsWriter writer = new SafetensorsWriter();
        ObjectNode configs = JSON.createObjectNode();
        ObjectNode shapes = JSON.createObjectNode();
        long quantNanos = 0;
        for (String name : ckpt.tensorNames()) {
            Optional<MatrixKey> key = MatrixKey.ofWeight(name, family);
            long start = System.nanoTime();
            Optional<QuantizedMatrix> q = key.flatMap(quantized::quantized);
            quantNanos += System.nanoTime() - start;
            if (q.isEmpty()) {
                // embeddings, norms, output head, biases, unquantized matrices: kept as stored, losslessly
                Tensor t = ckpt.tensor(name);
                writer.put(name, t.storage(), t.shape(), t.data());
                continue;
            }
            if (!(q.get() instanceof PackedHqq h)) {
                throw notSupported(q.get().format());
            }
            String p = key.get().modulePath(family);
            h.writeTo(writer, p);
            QuantConfig c = h.config();
            configs.putObject(key.get().id()).put("b1", c.bits()).put("g1", c.group()).put("b2", c.metaBits())
                    .put("g2", c.metaGroup()).put("method", h.method().name().toLowerCase(Locale.ROOT));
            shapes.putArray(p).add(h.shape()[0]).add(h.shape()[1]);
            onLayer.accept(p);
        }
        writer.metadata("format", FORMAT).metadata("method", plan.methodName())
                .metadata("quant_config", configs.toString()).metadata("shapes", shapes.toString());
        try {
            Files.createDirectories(out);
            writer.write(out.resolve(FILE));
            for (String f : COPIED) {
                Path src = ckpt.dir().resolve(f);
                if (Files.isRegularFile(src)) {
                    Files.copy(src, out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return new Saved(out, Files.size(out.resolve(FILE)), quantNanos / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static UserException notSupported(String format) {
        return new UserException("quantized snapshots hold HQQ/RTN matrices only, not " + format
                + " (not supported yet); quantize on the fly instead (--config/--method of eval-ppl or generate)");
    }

    /** The snapshot in {@code dir} as a weight source: linear layers in their packed form, or dequantized. */
    public static WeightSource source(Path dir) {
        ModelConfig config = ModelConfig.read(dir);
        SafetensorsFile file = SafetensorsFile.open(dir.resolve(FILE));
        Map<String, String> meta = file.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            file.close();
            throw new UserException(dir.resolve(FILE) + ": not an lmqt snapshot (format '" + meta.get("format")
                    + "', expected " + FORMAT + ")");
        }
        try {
            JsonNode configs = JSON.readTree(meta.get("quant_config"));
            JsonNode shapes = JSON.readTree(meta.get("shapes"));
            String defaultMethod = meta.get("method");
            ModelFamily family = ModelFamily.of(config);
            return new StoredQuantizedSource(config) {
                @Override
                boolean stores(String name) {
                    return file.contains(name);
                }

                @Override
                Tensor stored(String name) {
                    return file.tensor(name);
                }

                @Override
                boolean storesQuantized(String modulePath) {
                    return file.contains(modulePath + ".W_q");
                }

                @Override
                public Optional<QuantizedMatrix> quantized(MatrixKey key) {
                    String p = key.modulePath(family);
                    if (!file.contains(p + ".W_q")) {
                        return Optional.empty();
                    }
                    JsonNode cj = configs.path(key.id());
                    QuantConfig c = new QuantConfig(cj.path("b1").asInt(), cj.path("g1").asInt(),
                            cj.path("b2").asInt(), cj.path("g2").asInt());
                    QuantMethod method = QuantMethod.valueOf(cj.path("method").asText(defaultMethod)
                            .toUpperCase(Locale.ROOT));
                    int[] shape = {shapes.path(p).path(0).asInt(), shapes.path(p).path(1).asInt()};
                    return Optional.of(PackedHqq.read(file, p, c, method, shape));
                }

                @Override
                public void close() {
                    file.close();
                }
            };
        } catch (IOException | RuntimeException e) {
            file.close();
            throw new UserException(dir.resolve(FILE) + ": invalid snapshot metadata (" + e.getMessage() + ")");
        }
    }
}
