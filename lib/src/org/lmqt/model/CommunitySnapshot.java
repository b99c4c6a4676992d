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
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.CheckpointException;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.checkpoint.SafetensorsWriter;
import org.lmqt.checkpoint.StoredTensors;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.UserException;
import org.lmqt.io.FileTrees;
import org.lmqt.quant.CommunityFormat;
import org.lmqt.quant.QuantizedMatrix;

/**
 * A quantized model folder in a layout other tools load: GPTQ (AutoGPTQ v1), AWQ (AutoAWQ GEMM) or bitsandbytes
 * (transformers' serialization), as {@link CommunityFormat} describes them. {@value #FILE} holds each quantized linear
 * layer's tensors under its module path and every other tensor under its checkpoint name, in the checkpoint's dtype;
 * {@code config.json} is the source model's with {@code quantization_config} added; the quantizing library's side
 * file ({@code quantize_config.json}, {@code quant_config.json}) and the tokenizer files sit beside it. Any folder whose
 * {@code config.json} declares one of these formats — lmqt's or one downloaded from the hub — loads back through
 * {@link #source}.
 */
public final class CommunitySnapshot {
    /** The weights file lmqt writes. */
    public static final String FILE = "model.safetensors";
    private static final List<String> COPIED = List.of("generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model");
    private static final ObjectMapper JSON = new ObjectMapper();

    private CommunitySnapshot() {}

    /** True when {@code dir}'s {@code config.json} declares a quantization format. */
    public static boolean isCommunity(Path dir) {
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            return false;
        }
        try {
            JsonNode q = JSON.readTree(config.toFile()).path("quantization_config");
            return !q.isMissingNode() && !q.isNull();
        } catch (IOException e) {
            return false;   // ModelConfig.read reports the broken file when the folder is opened
        }
    }

    /**
     * Writes the checkpoint's tensors with the matrices {@code quantized} holds in their formats (the other tensors
     * as {@code quantized} gives them, e.g. AWQ's scaled norms, stored in the checkpoint's dtype) to {@code out},
     * through a temporary sibling folder renamed into place; {@code onLayer} sees each quantized module path.
     *
     * @return bytes of {@value #FILE}
     */
    public static long save(Checkpoint ckpt, WeightSource quantized, CommunityFormat format, Path out,
                            Consumer<String> onLayer) {
        ModelFamily family = ckpt.family();
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        for (String name : ckpt.tensorNames()) {
            Optional<MatrixKey> key = MatrixKey.ofWeight(name, family);
            Optional<QuantizedMatrix> q = key.flatMap(quantized::quantized);
            if (q.isPresent()) {
                String p = key.get().modulePath(family);
                try {
                    q.get().writeTo(writer, p);
                } catch (IllegalArgumentException | UnsupportedOperationException e) {
                    throw new UserException(p + ": " + e.getMessage());   // a shape or width the layout cannot pack
                }
                onLayer.accept(p);
            } else {
                Tensor t = quantized.tensor(name);
                writer.put(name, t.storage(), t.shape(), t.data());   // replaced tensors (AWQ's norms) stay float32
            }
        }
        Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            FileTrees.delete(tmp);
            Files.createDirectories(tmp);
            writer.write(tmp.resolve(FILE));
            ObjectNode config = (ObjectNode) JSON.readTree(ckpt.dir().resolve("config.json").toFile());
            config.set("quantization_config", format.quantizationConfig());
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("config.json").toFile(), config);
            for (Map.Entry<String, ObjectNode> side : format.sideFiles().entrySet()) {
                JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(side.getKey()).toFile(), side.getValue());
            }
            for (String f : COPIED) {
                Path src = ckpt.dir().resolve(f);
                if (Files.isRegularFile(src)) {
                    Files.copy(src, tmp.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            FileTrees.delete(out);
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            return Files.size(out.resolve(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                FileTrees.delete(tmp);
            } catch (IOException ignored) {
                // the temporary folder is named after this process and removed by the next save
            }
        }
    }

    /** The folder {@code dir} as a weight source: quantized layers in their formats, the rest as stored. */
    public static WeightSource source(Path dir) {
        ModelConfig config = ModelConfig.read(dir);
        CommunityFormat format;
        try {
            format = CommunityFormat.of(JSON.readTree(dir.resolve("config.json").toFile()), dir.resolve("config.json").toString())
                    .orElseThrow(() -> new CheckpointException(dir + ": config.json declares no quantization_config"));
        } catch (IOException e) {
            throw new CheckpointException(dir.resolve("config.json") + ": invalid JSON (" + e.getMessage() + ")");
        }
        Checkpoint ckpt = Checkpoint.open(dir);
        StoredTensors stored = new StoredTensors(ckpt);
        ModelFamily family = ModelFamily.of(config);
        return new WeightSource() {
            @Override
            public ModelConfig config() {
                return config;
            }

            @Override
            public boolean contains(String name) {
                return ckpt.contains(name) || MatrixKey.ofWeight(name, family)
                        .map(k -> format.holds(stored, k.modulePath(family))).orElse(false);
            }

            @Override
            public Optional<QuantizedMatrix> quantized(MatrixKey key) {
                String p = key.modulePath(family);
                return format.holds(stored, p) ? Optional.of(format.read(stored, p)) : Optional.empty();
            }

            @Override
            public Tensor tensor(String name) {
                // bitsandbytes stores its codes under the weight's own name: ask the format first
                Optional<QuantizedMatrix> q = MatrixKey.ofWeight(name, family).flatMap(this::quantized);
                return q.map(m -> new Tensor(name, m.shape(), m.dequantize(), m.deployedType()))
                        .orElseGet(() -> ckpt.tensor(name));
            }

            @Override
            public void close() {
                ckpt.close();
            }
        };
    }
}
