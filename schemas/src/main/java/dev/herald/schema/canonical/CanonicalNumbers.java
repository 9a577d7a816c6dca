package dev.herald.schema.canonical;

import com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * How canonical JSON writes a number (docs/producer-protocol.md §2.3), with no JDK-specific
 * formatting: every JDK, and every language, writes the same text for the same value.
 *
 * <ul>
 *   <li>A number is a decimal value. It is written as its exact decimal, without exponent, without
 *       trailing fractional zeros and without a trailing point; zero (also {@code -0}) is {@code
 *       0}. So {@code 1.50 → 1.5}, {@code 1e2 → 100}, {@code -0.0 → 0}.
 *   <li>A binary floating-point value (a Java {@code double}; a {@code float} is first widened to
 *       {@code double}, exactly) stands for the shortest decimal that reads back as the same {@code
 *       double} — if several, the one closest to it; if two are equally close, the one whose last
 *       digit is even. This is ECMAScript's {@code Number.prototype.toString} and Python's {@code
 *       repr(float)}. It is computed here by the same code on every JDK, never with {@code
 *       Double.toString}, whose output differs between JDK 17 and JDK 19+.
 *   <li>Refused: NaN and infinities; values with more than {@value #MAX_DIGITS} significant digits;
 *       non-zero values whose decimal exponent (the {@code a} of {@code d.ddd × 10^a}) is outside
 *       [{@value #MIN_EXPONENT}, {@value #MAX_EXPONENT}] — so {@code 1e1000000000} is an error, not
 *       a billion-digit string.
 * </ul>
 *
 * <pre>{@code
 * CanonicalNumbers.of(1e23);                        // "100000000000000000000000"
 * CanonicalNumbers.of(0.1 + 0.2);                   // "0.30000000000000004"
 * CanonicalNumbers.of(new BigDecimal("100.00"));    // "100"
 * }</pre>
 */
public final class CanonicalNumbers {
  /** Most significant digits a canonical number may have. */
  public static final int MAX_DIGITS = 1000;

  /** Largest decimal exponent of a canonical number. */
  public static final int MAX_EXPONENT = 1000;

  /** Smallest decimal exponent of a non-zero canonical number. */
  public static final int MIN_EXPONENT = -1000;

  private static final BigDecimal HALF = new BigDecimal("0.5");
  private static final double EXACT_LONG_LIMIT = 0x1p53;

  private CanonicalNumbers() {}

  /** The canonical text of a binary64 value. */
  public static String of(double value) {
    return of(decimalOf(value));
  }

  /** The canonical text of a decimal value. */
  public static String of(BigDecimal value) {
    if (value.signum() == 0) {
      return "0";
    }
    BigDecimal v = value.stripTrailingZeros();
    int digits = v.precision();
    if (digits > MAX_DIGITS) {
      throw new IllegalArgumentException(
          "a number has "
              + digits
              + " significant digits; canonical JSON allows at most "
              + MAX_DIGITS
              + " (hash such a value as a string or as bytes)");
    }
    long exponent = (long) digits - v.scale() - 1;
    if (exponent > MAX_EXPONENT || exponent < MIN_EXPONENT) {
      throw new IllegalArgumentException(
          "a number's decimal exponent is "
              + exponent
              + "; canonical JSON allows "
              + MIN_EXPONENT
              + " to "
              + MAX_EXPONENT
              + " (hash such a value as a string or as bytes)");
    }
    return v.toPlainString();
  }

  /** The canonical text of an integer. */
  public static String of(BigInteger value) {
    return of(new BigDecimal(value));
  }

  /**
   * The decimal a binary64 value stands for: the shortest decimal that rounds back to it, the
   * closest such if several, the even one on a tie (ECMAScript {@code Number::toString}). Throws
   * {@link IllegalArgumentException} for NaN and infinities.
   */
  public static BigDecimal decimalOf(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(
          "NaN and infinite numbers cannot be canonicalised (JSON has no such numbers)");
    }
    if (value == 0) {
      return BigDecimal.ZERO; // -0.0 as well
    }
    double abs = Math.abs(value);
    // An integer below 2^53 is its own shortest form: its neighbours are at most 1 apart, so no
    // other decimal of as few digits reads back as it.
    BigDecimal shortest =
        abs < EXACT_LONG_LIMIT && abs == Math.rint(abs)
            ? BigDecimal.valueOf((long) abs).stripTrailingZeros()
            : shortestRoundTrip(abs);
    return value < 0 ? shortest.negate() : shortest;
  }

  /** For a finite positive {@code abs}: see {@link #decimalOf}. */
  private static BigDecimal shortestRoundTrip(double abs) {
    // Fast path: Schubfach (the algorithm of Double.toString since JDK 19, in Jackson's copy, so
    // the same code on every JDK) picks the shortest decimal, the closest, the even one on a tie:
    // our rule, except that when one digit would do it may prefer a closer decimal of two digits.
    // So an answer of three or more digits is ours; shorter ones are recomputed exactly.
    BigDecimal proposed = new BigDecimal(DoubleToDecimal.toString(abs)).stripTrailingZeros();
    if (proposed.precision() >= 3) {
      return proposed;
    }
    return exactShortest(abs);
  }

  /** {@link #decimalOf} for a finite positive value, by exact arithmetic only (slow). */
  static BigDecimal exactShortest(double abs) {
    // The decimals that read back as abs are those of its rounding interval: from the
    // midpoint with the next lower double to the midpoint with the next higher one, both exact
    // decimals; a midpoint itself reads back as abs only when abs has an even significand.
    BigDecimal exact = new BigDecimal(abs);
    BigDecimal low = exact.add(new BigDecimal(Math.nextDown(abs))).multiply(HALF);
    BigDecimal high =
        abs == Double.MAX_VALUE
            ? exact.add(new BigDecimal(Math.ulp(abs)).multiply(HALF))
            : exact.add(new BigDecimal(Math.nextUp(abs))).multiply(HALF);
    boolean inclusive = (Double.doubleToRawLongBits(abs) & 1) == 0;
    // If some decimal of n digits reads back, so does one of n + 1 digits (the same value): the
    // shortest length is found by bisection; 17 digits always suffice.
    int lo = 1;
    int hi = 17;
    BigDecimal best = closestOfLength(17, exact, low, high, inclusive);
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      BigDecimal found = closestOfLength(mid, exact, low, high, inclusive);
      if (found != null) {
        best = found;
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return best.stripTrailingZeros();
  }

  /**
   * The decimal of {@code digits} significant digits in the rounding interval closest to {@code
   * exact} (the even one on a tie), or null when none is in it. Only the two neighbours of {@code
   * exact} at that length can be: every other one is farther on the same side.
   */
  private static BigDecimal closestOfLength(
      int digits, BigDecimal exact, BigDecimal low, BigDecimal high, boolean inclusive) {
    BigDecimal down = exact.round(new MathContext(digits, RoundingMode.FLOOR));
    BigDecimal up = exact.round(new MathContext(digits, RoundingMode.CEILING));
    if (down.compareTo(up) == 0) {
      return down; // exact itself has no more than `digits` digits
    }
    boolean downFits = within(down, low, high, inclusive);
    boolean upFits = within(up, low, high, inclusive);
    if (downFits && upFits) {
      int closer = exact.subtract(down).compareTo(up.subtract(exact));
      if (closer != 0) {
        return closer < 0 ? down : up;
      }
      return down.unscaledValue().testBit(0) ? up : down;
    }
    return downFits ? down : upFits ? up : null;
  }

  private static boolean within(
      BigDecimal candidate, BigDecimal low, BigDecimal high, boolean inclusive) {
    int lo = candidate.compareTo(low);
    int hi = candidate.compareTo(high);
    return inclusive ? lo >= 0 && hi <= 0 : lo > 0 && hi < 0;
  }
}
