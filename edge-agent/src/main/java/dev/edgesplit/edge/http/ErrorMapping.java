package dev.edgesplit.edge.http;

import io.grpc.Status;

/**
 * Maps the Generate service's status codes to OpenAI's error shape and HTTP status, as a table: bad
 * input 400, prompt beyond the context 400 {@code context_length_exceeded}, no or bad credentials
 * 401, rate, concurrency or operator limits 429, no cloud worker and no fallback or draining 503,
 * deadline 504, anything else 500 with the status' short description. Stateless.
 */
final class ErrorMapping {

  private ErrorMapping() {}

  static ApiError fromStatus(Status status) {
    String description =
        status.getDescription() != null ? status.getDescription() : status.getCode().name();
    switch (status.getCode()) {
      case INVALID_ARGUMENT:
        return new ApiError(400, description, "invalid_request_error", null, null);
      case OUT_OF_RANGE:
        return new ApiError(
            400, description, "invalid_request_error", "messages", "context_length_exceeded");
      case FAILED_PRECONDITION:
        return new ApiError(
            400, description, "invalid_request_error", null, "unsupported_model_input");
      case UNAUTHENTICATED:
        return new ApiError(401, description, "authentication_error", null, "invalid_api_key");
      case PERMISSION_DENIED:
        return new ApiError(403, description, "permission_error", null, null);
      case NOT_FOUND:
        return new ApiError(404, description, "not_found_error", null, null);
      case RESOURCE_EXHAUSTED:
        return new ApiError(429, description, "rate_limit_error", null, "rate_limit_exceeded");
      case UNAVAILABLE:
        return new ApiError(
            503, description, "service_unavailable_error", null, "cloud_unavailable");
      case DEADLINE_EXCEEDED:
        return new ApiError(504, description, "server_error", null, "timeout");
      case CANCELLED:
        // The client went away (or the agent is shutting down): nobody reads this, but it is well
        // formed.
        return new ApiError(499, description, "server_error", null, "cancelled");
      default:
        return new ApiError(500, description, "server_error", null, null);
    }
  }
}
