package dev.herald.schema.canonical;

import java.nio.charset.StandardCharsets;

/**
 * Unicode text as canonical encodings need it: a Java string may hold an unpaired UTF-16 surrogate,
 * which has no UTF-8 form; {@link String#getBytes} would silently write {@code ?} for it, so two
 * different strings would share one encoding (and one signature). Here it is an error instead.
 */
final class Utf16 {
  private Utf16() {}

  /** Throws {@link IllegalArgumentException} naming {@code what} if {@code s} is not Unicode. */
  static void requireWellFormed(String s, String what) {
    int bad = unpairedSurrogate(s);
    if (bad >= 0) {
      throw notUnicode(what, s, bad);
    }
  }

  /** The index of the first unpaired surrogate in {@code s}, or -1 when it is Unicode text. */
  static int unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /** The error for the unpaired surrogate at {@code index} of {@code s}, naming {@code what}. */
  static IllegalArgumentException notUnicode(String what, String s, int index) {
    return new IllegalArgumentException(
        String.format(
            "%s holds an unpaired surrogate U+%04X at index %d; it is not Unicode text and has"
                + " no UTF-8 form (fix the producer of this string, or hash such data as bytes)",
            what, (int) s.charAt(index), index));
  }

  /** The UTF-8 bytes of {@code s}; {@link IllegalArgumentException} for an unpaired surrogate. */
  static byte[] utf8(String s, String what) {
    requireWellFormed(s, what);
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
