package org.lmqt.serve;

import java.util.Map;

/**
 * A request the server answers with an OpenAI-style error body {@code {"error": {"message", "type", "param",
 * "code"}}} and an HTTP status.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final transient Map<String, String> headers;

    public ApiException(int status, String type, String param, String code, String message, Map<String, String> headers) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    /** 400 {@code invalid_request_error} about {@code param} (may be null). */
    public static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message, Map.of());
    }

    /** HTTP status. */
    public int status() {
        return status;
    }

    /** OpenAI error type ({@code invalid_request_error}, ...). */
    public String type() {
        return type;
    }

    /** The request field at fault, or null. */
    public String param() {
        return param;
    }

    /** A machine-readable code, or null. */
    public String code() {
        return code;
    }

    /** Extra response headers ({@code Retry-After}). */
    public Map<String, String> headers() {
        return headers;
    }
}
