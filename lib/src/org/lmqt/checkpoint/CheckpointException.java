package org.lmqt.checkpoint;

import org.lmqt.cli.UserException;

/** A checkpoint that cannot be read: missing, truncated, malformed, or lacking a tensor. One-line message. */
public class CheckpointException extends UserException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
