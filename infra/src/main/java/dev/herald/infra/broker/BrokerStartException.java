package dev.herald.infra.broker;

/** The embedded broker could not start; {@link #hint()} says what to do about it. */
public final class BrokerStartException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String hint;

  public BrokerStartException(String message, String hint, Throwable cause) {
    super(message, cause);
    this.hint = hint;
  }

  public String hint() {
    return hint;
  }
}
