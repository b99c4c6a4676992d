package org.lmqt.io.parquet;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A generic reader of the Thrift compact protocol, enough for parquet's footer and page headers. It decodes any struct
 * into a {@link ThriftStruct} (field id to value) without knowing its schema, so unknown fields are read and ignored
 * by the caller rather than skipped by type; the parquet structs are a few kilobytes, so this costs nothing.
 *
 * <p>Wire format (Thrift's compact protocol spec): integers are ULEB128 varints, signed ones zigzag-encoded; a field
 * header is one byte {@code delta << 4 | type} where {@code delta} (1-15) is added to the previous field id of the
 * same struct, or {@code 0 | type} followed by the id as a zigzag varint; type 0 ends the struct. Booleans live in the
 * field header (type 1 true, 2 false). Lists and sets start with {@code size << 4 | elementType}, size 15 meaning a
 * varint size follows; maps start with a varint size and, when not empty, one byte {@code keyType << 4 | valueType}.
 *
 * <p>Values come back as {@link Boolean}, {@link Long} (every integer width), {@link Double}, {@code byte[]}
 * (binary and strings), {@link List} (lists and sets), {@link Map} and {@link ThriftStruct}.
 */
final class CompactProtocol {
    private static final int STOP = 0;
    private static final int TRUE = 1;
    private static final int FALSE = 2;
    private static final int BYTE = 3;
    private static final int I16 = 4;
    private static final int I32 = 5;
    private static final int I64 = 6;
    private static final int DOUBLE = 7;
    private static final int BINARY = 8;
    private static final int LIST = 9;
    private static final int SET = 10;
    private static final int MAP = 11;
    private static final int STRUCT = 12;
    /** Deeper nesting than this is a corrupt file, not a parquet struct (they nest a handful of levels). */
    private static final int MAX_DEPTH = 64;

    private final ByteCursor in;

    /** Reads from {@code buf[offset, end)}. */
    CompactProtocol(byte[] buf, int offset, int end) {
        this.in = new ByteCursor(buf, offset, end);
    }

    /** The position after what was read so far. */
    int position() {
        return in.pos;
    }

    /** One struct, from its first field header to its stop byte. */
    ThriftStruct readStruct() {
        return readStruct(0);
    }

    private ThriftStruct readStruct(int depth) {
        if (depth > MAX_DEPTH) {
            throw new ParquetFormatException("structs nested deeper than " + MAX_DEPTH);
        }
        Map<Integer, Object> fields = new HashMap<>();
        int fieldId = 0;
        while (true) {
            int header = in.readByte();
            int type = header & 0x0f;
            if (type == STOP) {
                return new ThriftStruct(fields);
            }
            int delta = header >>> 4;
            fieldId = delta != 0 ? fieldId + delta : (int) in.zigzagVarint();
            fields.put(fieldId, type == TRUE || type == FALSE ? type == TRUE : readValue(type, depth));
        }
    }

    private Object readValue(int type, int depth) {
        return switch (type) {
            case BYTE -> (long) (byte) in.readByte();
            case I16, I32, I64 -> in.zigzagVarint();
            case DOUBLE -> Double.longBitsToDouble(in.fixedLittleEndian(8));
            case BINARY -> readBinary();
            case LIST, SET -> readList(depth);
            case MAP -> readMap(depth);
            case STRUCT -> readStruct(depth + 1);
            default -> throw new ParquetFormatException("unknown compact-protocol type " + type);
        };
    }

    private List<Object> readList(int depth) {
        int header = in.readByte();
        int elementType = header & 0x0f;
        long size = header >>> 4 == 15 ? in.varint() : header >>> 4;
        checkSize(size);
        List<Object> items = new ArrayList<>((int) size);
        for (long i = 0; i < size; i++) {
            // inside a collection a boolean is a whole byte: 1 true, anything else (0 or 2) false
            items.add(elementType == TRUE || elementType == FALSE ? in.readByte() == TRUE : readValue(elementType, depth));
        }
        return items;
    }

    private Map<Object, Object> readMap(int depth) {
        long size = in.varint();
        checkSize(size);
        Map<Object, Object> map = new HashMap<>();
        if (size == 0) {
            return map;
        }
        int types = in.readByte();
        for (long i = 0; i < size; i++) {
            Object key = readElement(types >>> 4, depth);
            map.put(key, readElement(types & 0x0f, depth));
        }
        return map;
    }

    private Object readElement(int type, int depth) {
        return type == TRUE || type == FALSE ? in.readByte() == TRUE : readValue(type, depth);
    }

    private byte[] readBinary() {
        long length = in.varint();
        int start = in.pos;
        in.skip(length);
        return java.util.Arrays.copyOfRange(in.buf, start, in.pos);
    }

    /** Every element takes at least one byte, so a size beyond the bytes left is corrupt, not a huge allocation. */
    private void checkSize(long size) {
        if (size < 0 || size > in.remaining()) {
            throw new ParquetFormatException("a collection of " + size + " elements runs past the end of the data");
        }
    }
}
