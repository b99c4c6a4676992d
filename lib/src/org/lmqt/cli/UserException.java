package org.lmqt.cli;

/** A problem with the user's input (file, option, data), reported as one line with exit code 2. */
public class UserException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserException(String message) {
        super(message);
    }

    public UserException(String message, Throwable cause) {
        super(message, cause);
    }
}
