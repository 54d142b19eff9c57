package dev.edgesplit.edge.http;

import java.util.Objects;

/**
 * An error in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}} with its HTTP
 * status.
 *
 * @param status HTTP status
 * @param message what went wrong, for a person; never a stack trace or a secret
 * @param type OpenAI's error type: invalid_request_error, authentication_error, not_found_error,
 *     rate_limit_error, server_error, service_unavailable_error
 * @param param the request field at fault, or null
 * @param code a machine-readable code (e.g. model_not_found, context_length_exceeded), or null
 */
public record ApiError(int status, String message, String type, String param, String code) {

  public ApiError {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(type, "type");
  }

  static ApiError badRequest(String message, String param) {
    return new ApiError(400, message, "invalid_request_error", param, null);
  }

  static ApiError unsupported(String message, String param) {
    return new ApiError(400, message, "invalid_request_error", param, "unsupported_parameter");
  }

  static ApiError notFound(String message, String code) {
    return new ApiError(404, message, "invalid_request_error", null, code);
  }

  /** Thrown while handling a request; the route's exception handler writes it. */
  static final class Failure extends RuntimeException {
    private final ApiError error;

    Failure(ApiError error) {
      super(error.message(), null, false, false);
      this.error = error;
    }

    ApiError error() {
      return error;
    }
  }

  Failure failure() {
    return new Failure(this);
  }
}
