package dev.herald.infra.cli;

/**
 * A command failed for a reason the user can act on. Printed as one line and a hint, without a
 * stack trace (unless {@code --verbose}).
 */
public class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String hint;
  private final int exitCode;

  public CliException(String message, String hint) {
    this(message, hint, HeraldCli.EXIT_FAILURE, null);
  }

  public CliException(String message, String hint, int exitCode, Throwable cause) {
    super(message, cause);
    this.hint = hint;
    this.exitCode = exitCode;
  }

  public String hint() {
    return hint;
  }

  public int exitCode() {
    return exitCode;
  }
}
