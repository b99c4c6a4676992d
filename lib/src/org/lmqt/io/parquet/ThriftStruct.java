package org.lmqt.io.parquet;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A decoded Thrift struct: its fields by id, as {@link CompactProtocol} read them. The typed getters name the field
 * ids of parquet.thrift at the call site; a field of an unexpected type is reported as corrupt metadata.
 */
record ThriftStruct(Map<Integer, Object> fields) {
    ThriftStruct {
        fields = Map.copyOf(fields);
    }

    boolean has(int id) {
        return fields.containsKey(id);
    }

    /** An integer field (any width). */
    Optional<Long> integer(int id) {
        return Optional.ofNullable(fields.get(id)).map(v -> as(id, v, Long.class));
    }

    /** An integer field that must be there. */
    long requiredInteger(int id) {
        return integer(id).orElseThrow(() -> missing(id));
    }

    Optional<Boolean> bool(int id) {
        return Optional.ofNullable(fields.get(id)).map(v -> as(id, v, Boolean.class));
    }

    /** A binary field read as UTF-8 text. */
    Optional<String> string(int id) {
        return Optional.ofNullable(fields.get(id)).map(v -> new String(as(id, v, byte[].class), StandardCharsets.UTF_8));
    }

    Optional<ThriftStruct> struct(int id) {
        return Optional.ofNullable(fields.get(id)).map(v -> as(id, v, ThriftStruct.class));
    }

    /** A list field whose elements are all of {@code type}; empty when the field is absent. */
    <T> List<T> list(int id, Class<T> type) {
        Object v = fields.get(id);
        if (v == null) {
            return List.of();
        }
        return ((List<?>) as(id, v, List.class)).stream().map(e -> as(id, e, type)).toList();
    }

    private static <T> T as(int id, Object value, Class<T> type) {
        if (!type.isInstance(value)) {
            throw new ParquetFormatException("field " + id + " is a " + value.getClass().getSimpleName()
                    + ", expected " + type.getSimpleName());
        }
        return type.cast(value);
    }

    private static ParquetFormatException missing(int id) {
        return new ParquetFormatException("required field " + id + " is missing");
    }
}
