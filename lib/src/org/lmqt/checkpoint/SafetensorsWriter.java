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
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Item it : items) {
            ObjectNode e = header.putObject(it.name());
            e.put("dtype", it.dtype().name());
            ArrayNode shape = e.putArray("shape");
            for (int d : it.shape()) {
                shape.add(d);
            }
            ArrayNode off = e.putArray("data_offsets");
            off.add(offset);
            offset += it.data().length;
            off.add(offset);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        java.util.Arrays.fill(headerBytes, (byte) ' ');
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        AtomicFiles.write(path, tmp -> {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
                out.write(headerBytes);
                for (Item it : items) {
                    out.write(it.data());
                }
            }
        });
    }
}
