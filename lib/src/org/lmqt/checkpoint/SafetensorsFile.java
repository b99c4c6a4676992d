package org.lmqt.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code .safetensors} file: an 8-byte little-endian header length, a JSON header
 * ({@code name -> {dtype, shape, data_offsets}}, optional {@code __metadata__}), then the raw little-endian data.
 * The header is validated when the file is opened; a tensor's bytes are memory-mapped only when it is read, one
 * tensor at a time, so checkpoints far larger than the heap can be scanned.
 */
public final class SafetensorsFile implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Headers above this are rejected as corrupt (the format itself caps them at 100 MB). */
    private static final long MAX_HEADER = 100L << 20;

    /** Where a tensor lives in the file. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        /** Number of elements. */
        public long numel() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, Entry> entries,
                            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens and validates {@code path}; a {@link CheckpointException} says what is wrong. */
    public static SafetensorsFile open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path + ": no such file");
        } catch (IOException e) {
            throw new CheckpointException(path + ": cannot open (" + e.getMessage() + ")");
        }
        try {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointException(path + ": truncated file (" + size + " bytes, no header length)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw new CheckpointException(path + ": header length " + headerLen + " is beyond the file's "
                        + size + " bytes (truncated or not a safetensors file)");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8);
            String headerText = new String(headerBuf.array(), StandardCharsets.UTF_8);
            JsonNode header;
            try {
                header = JSON.readTree(headerText);
            } catch (JsonProcessingException e) {
                throw new CheckpointException(path + ": invalid header JSON (" + e.getOriginalMessage() + ")");
            }
            if (header == null || !header.isObject()) {
                throw new CheckpointException(path + ": invalid header JSON (not an object)");
            }
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) {
                    f.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.put(f.getKey(), parseEntry(path, f.getKey(), f.getValue(), dataSize));
            }
            return new SafetensorsFile(path, ch, dataStart, Collections.unmodifiableMap(entries),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new CheckpointException(path + ": cannot read (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static Entry parseEntry(Path path, String name, JsonNode node, long dataSize) {
        String where = path.getFileName() + ": tensor '" + name + "'";
        JsonNode dtype = node.get("dtype");
        JsonNode shape = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtype == null || shape == null || offsets == null || !shape.isArray() || !offsets.isArray()
                || offsets.size() != 2) {
            throw new CheckpointException(where + ": header entry lacks dtype, shape or data_offsets");
        }
        DType t = DType.fromCode(dtype.asText(), where);
        int[] dims = new int[shape.size()];
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
            long d = shape.get(i).asLong(-1);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new CheckpointException(where + ": invalid shape " + shape);
            }
            dims[i] = (int) d;
            numel *= d;
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataSize) {
            throw new CheckpointException(where + ": data offsets [" + begin + ", " + end
                    + ") are outside the data section of " + dataSize + " bytes (truncated file?)");
        }
        if (end - begin != numel * t.bytes()) {
            throw new CheckpointException(where + ": data offsets span " + (end - begin) + " bytes but shape "
                    + shape + " of " + t + " needs " + numel * t.bytes());
        }
        return new Entry(name, t, dims, begin, end);
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** Tensor entries in header order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** True when the file holds {@code name}. */
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The entry of {@code name}; a {@link CheckpointException} when absent. */
    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new CheckpointException(path + ": no tensor named '" + name + "'");
        }
        return e;
    }

    /** The raw little-endian bytes of a tensor, memory-mapped (read-only). */
    public ByteBuffer bytes(String name) {
        Entry e = entry(name);
        long len = e.end() - e.begin();
        if (len > Integer.MAX_VALUE) {
            throw new CheckpointException(path + ": tensor '" + name + "' is over 2 GiB; not supported");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), len).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException ex) {
            throw new CheckpointException(path + ": cannot map tensor '" + name + "' (" + ex.getMessage() + ")");
        }
    }

    /** A copy of the raw bytes of a tensor (read, not mapped, so no file pages stay in the resident set). */
    public byte[] readBytes(String name) {
        ByteBuffer b = read(entry(name));
        return b.hasArray() && b.arrayOffset() == 0 && b.array().length == b.remaining() ? b.array() : copy(b);
    }

    private static byte[] copy(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /**
     * Reads a tensor's bytes into a heap buffer with positional reads. Unlike {@link #bytes}, this leaves no
     * mapped file pages behind in the process's resident set, so loading a model costs only the copies it keeps.
     */
    private ByteBuffer read(Entry e) {
        long len = e.end() - e.begin();
        if (len > Integer.MAX_VALUE) {
            throw new CheckpointException(path + ": tensor '" + e.name() + "' is over 2 GiB; not supported");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) len).order(ByteOrder.LITTLE_ENDIAN);
        try {
            readFully(channel, buf, dataStart + e.begin());
        } catch (IOException ex) {
            throw new CheckpointException(path + ": cannot read tensor '" + e.name() + "' (" + ex.getMessage() + ")");
        }
        return buf.flip();
    }

    /** A floating tensor widened to float32 in Java (bf16 never reaches DJL). */
    public Tensor tensor(String name) {
        Entry e = entry(name);
        if (!e.dtype().isFloating()) {
            throw new CheckpointException(path + ": tensor '" + name + "' is " + e.dtype() + ", not a float type");
        }
        return new Tensor(name, e.shape(), Floats.decode(read(e), e.dtype(), (int) e.numel()), e.dtype());
    }

    /** An integer tensor (I64, I32, I16, I8, U8, BOOL) as longs. */
    public long[] longs(String name) {
        Entry e = entry(name);
        ByteBuffer b = read(e);
        long[] out = new long[(int) e.numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (e.dtype()) {
                case I64 -> b.getLong(i * 8);
                case I32 -> b.getInt(i * 4);
                case I16 -> b.getShort(i * 2);
                case I8 -> b.get(i);
                case U8, BOOL -> b.get(i) & 0xff;
                default -> throw new CheckpointException(path + ": tensor '" + name + "' is " + e.dtype() + ", not an integer type");
            };
        }
        return out;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do: we are already reporting the first problem
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    /** Size of the file in bytes. */
    public long sizeBytes() {
        try {
            return Files.size(path);
        } catch (IOException e) {
            return -1;
        }
    }
}
