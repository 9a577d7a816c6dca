package dev.herald.auditor.policy;

import dev.herald.schema.config.ConfigProblem;

/**
 * The policy file is invalid: names the line and column (when known), the key, the value found and
 * the reason, so the operator can fix the one line that is wrong.
 */
public final class PolicyException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String key;
  private final String value;
  private final String reason;
  private final int line;

  public PolicyException(String key, String value, String reason) {
    super(key + ": " + (value == null ? "" : "'" + value + "' ") + reason);
    this.key = key;
    this.value = value;
    this.reason = reason;
    this.line = 0;
  }

  /** The problem the config reader found, with its position. */
  PolicyException(ConfigProblem problem) {
    super(problem.getMessage());
    this.key = problem.key();
    this.value = problem.value();
    this.reason = problem.reason();
    this.line = problem.line();
  }

  /** The dotted key path, e.g. {@code groups.payments.quorum}. */
  public String key() {
    return key;
  }

  /** The offending value as written, or null when the key is missing. */
  public String value() {
    return value;
  }

  /** Why it is refused and what is allowed. */
  public String reason() {
    return reason;
  }

  /** The 1-based line of the problem in the file, or 0 when it is not tied to one line. */
  public int line() {
    return line;
  }
}
