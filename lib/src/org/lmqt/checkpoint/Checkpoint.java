package org.lmqt.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Hugging Face model folder: {@code config.json} plus {@code model.safetensors}, or shards listed in
 * {@code model.safetensors.index.json}. Tensors are read one at a time (memory-mapped), widened to float32 in Java.
 * <pre>{@code try (Checkpoint ckpt = Checkpoint.open("meta-llama/Llama-2-7b-hf")) {
 *     Tensor w = ckpt.tensor("model.layers.0.self_attn.q_proj.weight");   // [4096, 4096]
 * }}</pre>
 */
public final class Checkpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String shortId;
    private final ModelConfig config;
    private final Map<String, SafetensorsFile> files;      // file name -> open file
    private final Map<String, SafetensorsFile> byTensor;   // tensor name -> its file

    private Checkpoint(Path dir, String shortId, ModelConfig config, Map<String, SafetensorsFile> files,
                       Map<String, SafetensorsFile> byTensor) {
        this.dir = dir;
        this.shortId = shortId;
        this.config = config;
        this.files = files;
        this.byTensor = byTensor;
    }

    /** Opens a model named by a folder path or a Hugging Face id in the local cache. */
    public static Checkpoint open(String pathOrId) {
        Path dir = HubCache.resolve(pathOrId);
        return open(dir, HubCache.shortId(pathOrId, dir));
    }

    /** Opens a model folder. */
    public static Checkpoint open(Path dir) {
        return open(dir, HubCache.shortId(dir.toString(), dir));
    }

    private static Checkpoint open(Path dir, String shortId) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": no such model folder");
        }
        ModelConfig config = ModelConfig.read(dir);
        Map<String, SafetensorsFile> files = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            Path index = dir.resolve("model.safetensors.index.json");
            Path single = dir.resolve("model.safetensors");
            if (Files.isRegularFile(index)) {
                Map<String, String> weightMap = readIndex(index);
                for (Map.Entry<String, String> e : weightMap.entrySet()) {
                    SafetensorsFile f = files.computeIfAbsent(e.getValue(), name -> SafetensorsFile.open(dir.resolve(name)));
                    if (!f.contains(e.getKey())) {
                        throw new CheckpointException(index + ": lists '" + e.getKey() + "' in " + e.getValue()
                                + ", which does not hold it");
                    }
                    byTensor.put(e.getKey(), f);
                }
            } else if (Files.isRegularFile(single)) {
                SafetensorsFile f = SafetensorsFile.open(single);
                files.put(single.getFileName().toString(), f);
                f.entries().keySet().forEach(n -> byTensor.put(n, f));
            } else {
                List<Path> shards = listSafetensors(dir);
                if (shards.isEmpty()) {
                    throw new CheckpointException(dir + ": no model.safetensors, no model.safetensors.index.json "
                            + "and no *.safetensors file");
                }
                for (Path p : shards) {
                    SafetensorsFile f = SafetensorsFile.open(p);
                    files.put(p.getFileName().toString(), f);
                    f.entries().keySet().forEach(n -> byTensor.put(n, f));
                }
            }
        } catch (RuntimeException e) {
            files.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new Checkpoint(dir, shortId, config, files, byTensor);
    }

    private static Map<String, String> readIndex(Path index) {
        JsonNode n;
        try {
            n = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new CheckpointException(index + ": invalid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        JsonNode map = n == null ? null : n.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new CheckpointException(index + ": no weight_map");
        }
        Map<String, String> out = new LinkedHashMap<>();
        map.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static List<Path> listSafetensors(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".safetensors")
                            && !p.getFileName().toString().startsWith("golden"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot list (" + e.getMessage() + ")");
        }
    }

    /** The model folder. */
    public Path dir() {
        return dir;
    }

    /** Short id used in output file names ({@code Llama-2-7b-hf}). */
    public String shortId() {
        return shortId;
    }

    /** The parsed {@code config.json}. */
    public ModelConfig config() {
        return config;
    }

    /** The family (module naming) of the model; fails for unsupported architectures. */
    public ModelFamily family() {
        return ModelFamily.of(config);
    }

    /** All tensor names, in file and header order. */
    public List<String> tensorNames() {
        return new ArrayList<>(byTensor.keySet());
    }

    /** True when the checkpoint holds {@code name}. */
    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    /** Where {@code name} lives; a {@link CheckpointException} naming the tensor when the checkpoint lacks it. */
    public SafetensorsFile.Entry entry(String name) {
        return fileOf(name).entry(name);
    }

    /** A floating tensor widened to float32. */
    public Tensor tensor(String name) {
        return fileOf(name).tensor(name);
    }

    /** A copy of the raw little-endian bytes of {@code name}. */
    public byte[] readBytes(String name) {
        return fileOf(name).readBytes(name);
    }

    /** Number of elements of {@code name} without reading it. */
    public long numel(String name) {
        return entry(name).numel();
    }

    /** Total bytes of the safetensors files. */
    public long sizeBytes() {
        return files.values().stream().mapToLong(SafetensorsFile::sizeBytes).sum();
    }

    private SafetensorsFile fileOf(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new CheckpointException(dir + ": the checkpoint lacks tensor '" + name + "'");
        }
        return f;
    }

    @Override
    public void close() {
        files.values().forEach(SafetensorsFile::close);
    }
}
