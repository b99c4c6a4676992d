package org.lmqt.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lmqt.io.AtomicFiles;

/**
 * Collects tensors and writes one {@code .safetensors} file atomically, in insertion order, with the header padded
 * with spaces to a multiple of 8 bytes as the Python library does.
 * <pre>{@code new SafetensorsWriter().put("w", DType.F16, new int[]{2, 3}, floats).write(path);}</pre>
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Item(String name, DType dtype, int[] shape, byte[] data) {}

    private final List<Item> items = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds float values stored as {@code dtype} (F32, F16 or BF16). */
    public SafetensorsWriter put(String name, DType dtype, int[] shape, float[] values) {
        return putBytes(name, dtype, shape, Floats.encode(values, dtype));
    }

    /** Adds already-encoded little-endian bytes. */
    public SafetensorsWriter putBytes(String name, DType dtype, int[] shape, byte[] data) {
        long numel = 1;
        for (int d : shape) {
            numel *= d;
        }
        if (numel * dtype.bytes() != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " bytes do not match the shape");
        }
        items.add(new Item(name, dtype, shape.clone(), data));
        return this;
    }

    /** Adds integer values as I64. */
    public SafetensorsWriter putLongs(String name, int[] shape, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return putBytes(name, DType.I64, shape, b.array());
    }

    /** Adds integer values as I32. */
    public SafetensorsWriter putInts(String name, int[] shape, int[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return putBytes(name, DType.I32, shape, b.array());
    }

    /** Adds a {@code __metadata__} entry. */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Writes the file (temporary file, then rename). */
    public void write(Path path) {
        byte[] headerBytes = header(metadata, items.stream().map(it -> new Spec(it.name(), it.dtype(), it.shape()))
                .toList());
        AtomicFiles.write(path, tmp -> {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                out.write(headerBytes);
                for (Item it : items) {
                    out.write(it.data());
                }
            }
        });
    }

    /** A tensor announced before its data: name, dtype and shape. */
    public record Spec(String name, DType dtype, int[] shape) {
        public Spec {
            shape = shape.clone();
        }

        long bytes() {
            long n = dtype.bytes();
            for (int d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /**
     * A file written tensor by tensor without holding them: the header (from {@code specs}) first, then each
     * tensor's float values in the order announced, into a temporary sibling renamed into place by {@link
     * Streaming#commit}. Closing without committing deletes the temporary file.
     */
    public static Streaming stream(Path path, List<Spec> specs, Map<String, String> metadata) {
        return new Streaming(path, specs, metadata);
    }

    /** See {@link #stream}. */
    public static final class Streaming implements AutoCloseable {
        private final Path target;
        private final Path tmp;
        private final List<Spec> specs;
        private final OutputStream out;
        private int next;

        private Streaming(Path path, List<Spec> specs, Map<String, String> metadata) {
            this.target = path.toAbsolutePath();
            this.specs = List.copyOf(specs);
            this.tmp = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            try {
                Files.createDirectories(target.getParent());
                out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20);
                out.write(header(metadata, this.specs));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
            }
        }

        /** The values of the next announced tensor (F32, F16 or BF16 as announced). */
        public void write(float[] values) {
            if (next >= specs.size()) {
                throw new IllegalStateException("all " + specs.size() + " tensors are written");
            }
            Spec spec = specs.get(next);
            byte[] data = Floats.encode(values, spec.dtype());
            if (data.length != spec.bytes()) {
                throw new IllegalArgumentException(spec.name() + ": " + values.length + " values do not fill "
                        + java.util.Arrays.toString(spec.shape()));
            }
            try {
                out.write(data);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
            }
            next++;
        }

        /** Renames the complete file into place. */
        public void commit() {
            if (next != specs.size()) {
                throw new IllegalStateException((specs.size() - next) + " announced tensors are not written");
            }
            try {
                out.close();
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                out.close();
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a leftover temporary file is named after this process and overwritten by its next run
            }
        }
    }

    /** The length prefix and the space-padded JSON header of {@code specs} laid out in order. */
    private static byte[] header(Map<String, String> metadata, List<Spec> specs) {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Spec it : specs) {
            ObjectNode e = header.putObject(it.name());
            e.put("dtype", it.dtype().name());
            ArrayNode shape = e.putArray("shape");
            for (int d : it.shape()) {
                shape.add(d);
            }
            ArrayNode off = e.putArray("data_offsets");
            off.add(offset);
            offset += it.bytes();
            off.add(offset);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] bytes = new byte[8 + padded];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        java.util.Arrays.fill(bytes, 8, bytes.length, (byte) ' ');
        System.arraycopy(json, 0, bytes, 8, json.length);
        return bytes;
    }
}
