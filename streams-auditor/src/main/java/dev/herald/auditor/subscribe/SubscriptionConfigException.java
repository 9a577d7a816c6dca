package dev.herald.auditor.subscribe;

/**
 * A subscriptions file is invalid; the message names the key (e.g. {@code subscriptions[0].url}).
 */
public class SubscriptionConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SubscriptionConfigException(String message) {
    super(message);
  }
}
