package dev.herald.auditor.policy;

/**
 * The policy file is invalid: names the key, the value found and the reason, so the operator can
 * fix the one line that is wrong.
 */
public final class PolicyException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String key;
  private final String value;
  private final String reason;

  public PolicyException(String key, String value, String reason) {
    super(key + ": " + (value == null ? "" : "'" + value + "' ") + reason);
    this.key = key;
    this.value = value;
    this.reason = reason;
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
}
