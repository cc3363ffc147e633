package io.vesselseg.serve;

import java.util.Map;

/**
 * A request the server answers with an error status and a one-line {@code {"error": "..."}} body. The message
 * says what was expected, what was found and what to do; {@code reason} labels the rejection in the metrics
 * ({@code vesselseg_rejected_total{reason=...}}); {@code headers} go with the response (e.g. Retry-After).
 */
final class HttpError extends RuntimeException {

  private final int status;
  private final String reason;
  private final Map<String, String> headers;

  HttpError(int status, String reason, String message) {
    this(status, reason, message, Map.of());
  }

  HttpError(int status, String reason, String message, Map<String, String> headers) {
    super(message, null, false, false);
    this.status = status;
    this.reason = reason;
    this.headers = headers;
  }

  int status() {
    return status;
  }

  String reason() {
    return reason;
  }

  Map<String, String> headers() {
    return headers;
  }

  static HttpError badRequest(String message) {
    return new HttpError(400, "bad_request", message);
  }
}
