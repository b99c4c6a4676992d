package org.lmqt.io.parquet;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A top-level field of a parquet schema.
 *
 * @param name       the field's name
 * @param type       its physical type; empty for a group (a nested field)
 * @param repetition required, optional (nullable) or repeated
 * @param annotation its logical type (STRING, JSON...) or, in older files, converted type (UTF8...), when it has one
 */
public record Column(String name, Optional<PhysicalType> type, Repetition repetition, Optional<String> annotation) {
    /** Annotations that make a BYTE_ARRAY a string (the logical and the converted names). */
    private static final Set<String> STRING_ANNOTATIONS = Set.of("STRING", "UTF8", "ENUM", "JSON");

    /** Parquet's physical types, numbered as in parquet.thrift. */
    public enum PhysicalType {
        BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY;

        static PhysicalType of(long number) {
            if (number < 0 || number >= values().length) {
                throw new ParquetFormatException("physical type " + number);
            }
            return values()[(int) number];
        }
    }

    /** Parquet's field repetitions, numbered as in parquet.thrift. */
    public enum Repetition {
        REQUIRED, OPTIONAL, REPEATED;

        static Repetition of(long number) {
            if (number < 0 || number >= values().length) {
                throw new ParquetFormatException("repetition type " + number);
            }
            return values()[(int) number];
        }
    }

    /** Whether the field is a flat (not nested, not repeated) column. */
    public boolean isFlat() {
        return type.isPresent() && repetition != Repetition.REPEATED;
    }

    /** Whether the field holds text: a BYTE_ARRAY annotated as a UTF-8 string (STRING/UTF8, ENUM or JSON). */
    public boolean isString() {
        return type.equals(Optional.of(PhysicalType.BYTE_ARRAY)) && annotation.filter(STRING_ANNOTATIONS::contains)
                .isPresent();
    }

    /** How the field reads in an error message: {@code text (optional BYTE_ARRAY STRING)}. */
    public String describe() {
        return name + " (" + repetition.name().toLowerCase(Locale.ROOT) + " "
                + type.map(Enum::name).orElse("group") + annotation.map(a -> " " + a).orElse("") + ")";
    }
}
