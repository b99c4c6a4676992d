package org.lmqt.io.parquet;

/**
 * A file this reader cannot decode: corrupt bytes or a feature it does not support. {@link ParquetFile} turns it
 * into a one-line {@link org.lmqt.cli.UserException} prefixed with the file (and column).
 */
final class ParquetFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ParquetFormatException(String message) {
        super(message);
    }
}
