package dev.herald.schema.config;

/**
 * One thing wrong in a configuration file (policy, subscriptions, scenario): where it is (line and
 * column when known), the dotted key path, the value as written and what is allowed instead. The
 * loaders turn it into their own error type; it never carries a parser's stack or class names.
 */
public final class ConfigProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String key;
  private final String value;
  private final String reason;
  private final int line;
  private final int column;

  /**
   * @param key dotted key path, e.g. {@code groups.payments.quorum} or {@code faults[2].type}
   * @param value the value as written, or null when there is none (a missing or unknown key)
   * @param reason why it is refused and what is allowed
   * @param line 1-based line, or 0 when unknown
   * @param column 1-based column, or 0 when unknown
   */
  public ConfigProblem(String key, String value, String reason, int line, int column) {
    super(describe(key, value, reason, line, column), null, false, false);
    this.key = key;
    this.value = value;
    this.reason = reason;
    this.line = line;
    this.column = column;
  }

  /** A problem found after reading (a rule between keys), with no position. */
  public ConfigProblem(String key, String value, String reason) {
    this(key, value, reason, 0, 0);
  }

  /** {@code line 3, column 13: groups.payments.quorum: 'most' is not ...}. */
  static String describe(String key, String value, String reason, int line, int column) {
    String where = line > 0 ? "line " + line + ", column " + column + ": " : "";
    return where + key + ": " + (value == null ? "" : "'" + value + "' ") + reason;
  }

  public String key() {
    return key;
  }

  public String value() {
    return value;
  }

  public String reason() {
    return reason;
  }

  /** 1-based line, 0 when unknown. */
  public int line() {
    return line;
  }

  /** 1-based column, 0 when unknown. */
  public int column() {
    return column;
  }

  /** The same problem with its key under {@code parent} (a rule checked inside a nested value). */
  ConfigProblem under(String parent, int line, int column) {
    String full = parent.isEmpty() ? key : key.isEmpty() ? parent : parent + "." + key;
    return new ConfigProblem(
        full,
        value,
        reason,
        this.line > 0 ? this.line : line,
        this.line > 0 ? this.column : column);
  }
}
