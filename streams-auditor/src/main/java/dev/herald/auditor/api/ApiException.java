package dev.herald.auditor.api;

/**
 * A request the API answers with an error status and the JSON body {@code {"error": ..., "detail":
 * ...}}.
 *
 * <pre>{@code
 * throw ApiException.badParameter("limit", "must be between 1 and 500, got 0");
 * }</pre>
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String error;

  public ApiException(int status, String error, String detail) {
    super(detail);
    this.status = status;
    this.error = error;
  }

  /** 400 naming the query parameter that is wrong. */
  public static ApiException badParameter(String parameter, String detail) {
    return new ApiException(400, "bad parameter '" + parameter + "'", detail);
  }

  /** 404 for something that does not exist. */
  public static ApiException notFound(String what, String detail) {
    return new ApiException(404, what + " not found", detail);
  }

  /** 503 for something that is not available yet. */
  public static ApiException unavailable(String error, String detail) {
    return new ApiException(503, error, detail);
  }

  public int status() {
    return status;
  }

  public String error() {
    return error;
  }

  public String detail() {
    return getMessage();
  }
}
