package dev.herald.schema.id;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The rule every node id and group id follows: {@value #RULE} — one to 64 characters of lower-case
 * ASCII letters, digits, '.', '_' and '-', starting with a letter or a digit.
 *
 * <p>Why so strict: ids are compared byte for byte (a partition, a signature, a quorum member), but
 * read by people. Upper case, look-alike letters from other scripts and invisible characters would
 * let two ids that print the same name two different nodes ({@code Node-1} and {@code node-1},
 * {@code node-1} and {@code node-1} + U+200B), and separators such as '/' would let one id be read
 * as a part of another ({@code pay} + {@code eu/acct} vs {@code pay/eu} + {@code acct}). The SDK's
 * builder, {@code herald nodes} and the auditor's admission (dead-letter reason {@code INVALID_ID})
 * all apply this one rule. Entity keys are free text and are not checked here.
 *
 * <pre>{@code
 * Identifiers.requireValid(Identifiers.Kind.NODE, "payments-eu-1");   // returns it
 * String problem = Identifiers.problem(Identifiers.Kind.GROUP, "Pay/EU"); // "group id 'Pay/EU' ..."
 * }</pre>
 */
public final class Identifiers {
  /** The rule, as a regular expression over the whole id. */
  public static final String RULE = "[a-z0-9][a-z0-9._-]{0,63}";

  /** Longest id, in characters (all ASCII, so also in bytes). */
  public static final int MAX_LENGTH = 64;

  private static final Pattern ID = Pattern.compile(RULE);

  private Identifiers() {}

  /** What an id names, for messages. */
  public enum Kind {
    NODE("node id"),
    GROUP("group id");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** "node id" or "group id". */
    public String label() {
      return label;
    }
  }

  /** Whether {@code id} follows the rule. */
  public static boolean valid(CharSequence id) {
    return id != null && ID.matcher(id).matches();
  }

  /**
   * Why {@code id} breaks the rule, as one sentence naming the first offending character and the
   * rule; null when it is valid.
   */
  public static String problem(Kind kind, CharSequence id) {
    if (valid(id)) {
      return null;
    }
    String what = kind.label();
    if (id == null || id.length() == 0) {
      return what + " is empty; " + ruleText();
    }
    String s = id.toString();
    String shown = printable(s);
    if (s.length() > MAX_LENGTH) {
      return what
          + " '"
          + shown(shown)
          + "' has "
          + s.codePointCount(0, s.length())
          + " characters, more than "
          + MAX_LENGTH
          + "; "
          + ruleText();
    }
    int i = 0;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      boolean ok =
          (cp >= 'a' && cp <= 'z')
              || (cp >= '0' && cp <= '9')
              || (i > 0 && (cp == '.' || cp == '_' || cp == '-'));
      if (!ok) {
        String hint =
            cp >= 'A' && cp <= 'Z'
                ? " (upper case: use '" + s.toLowerCase(Locale.ROOT) + "')"
                : i == 0 && (cp == '.' || cp == '_' || cp == '-')
                    ? " (an id starts with a letter or a digit)"
                    : "";
        return what
            + " '"
            + shown(shown)
            + "' is not allowed: "
            + describe(cp)
            + " at position "
            + s.codePointCount(0, i)
            + hint
            + "; "
            + ruleText();
      }
      i += Character.charCount(cp);
    }
    return what + " '" + shown(shown) + "' is not allowed; " + ruleText();
  }

  /**
   * Returns {@code id} when it is valid; else throws {@link IllegalArgumentException} with {@link
   * #problem}.
   */
  public static String requireValid(Kind kind, String id) {
    String problem = problem(kind, id);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return id;
  }

  /** The rule in words, for error messages. */
  public static String ruleText() {
    return "ids are 1-64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or a"
        + " digit ("
        + RULE
        + ")";
  }

  /** A character for a message: 'x' when visible ASCII, else U+XXXX and its Unicode name. */
  private static String describe(int cp) {
    if (cp > 0x20 && cp < 0x7f) {
      return "'" + (char) cp + "'";
    }
    String name = Character.getName(cp);
    return String.format("U+%04X%s", cp, name == null ? "" : " " + name);
  }

  /** The id with every character outside visible ASCII escaped as \\uXXXX, so none is hidden. */
  public static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints()
        .forEach(
            cp -> {
              if (cp > 0x20 && cp < 0x7f && cp != '\\') {
                b.append((char) cp);
              } else if (cp == '\\') {
                b.append("\\\\");
              } else if (cp <= 0xFFFF) {
                b.append(String.format("\\u%04X", cp));
              } else {
                b.append(String.format("\\U%08X", cp));
              }
            });
    return b.toString();
  }

  private static String shown(String printable) {
    return printable.length() > 80 ? printable.substring(0, 77) + "..." : printable;
  }
}
