package dev.herald.schema.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Prints everything Herald's canonical forms produce for the protocol's test vectors and for a
 * fixed sample of doubles, so that {@link CanonicalAcrossJdksTest} can run it on every installed
 * JDK and compare the bytes. Run from the {@code schemas} directory (it reads the protocol
 * document).
 */
public final class VectorsMain {
  /** Doubles of every exponent and of the kinds services hold (prices, rates, measurements). */
  static double[] sample() {
    SplittableRandom random = new SplittableRandom(2024);
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < 60_000; i++) {
      double d =
          switch (i % 4) {
            case 0 -> Double.longBitsToDouble(random.nextLong());
            case 1 -> random.nextDouble() * Math.pow(10, random.nextInt(-20, 25));
            case 2 -> random.nextInt(1, 1_000_000) / 100.0;
            default -> random.nextInt(1, 10) * Math.pow(10, random.nextInt(-323, 308));
          };
      if (!Double.isNaN(d) && !Double.isInfinite(d)) {
        out.add(d);
      }
    }
    out.addAll(List.of(1e23, 2e23, 8.41e21, Double.MIN_VALUE, Double.MAX_VALUE, -0.0, 0.1 + 0.2));
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** The lines this JDK prints; the first two say which JDK and how it formats doubles itself. */
  static List<String> lines() {
    List<String> lines = new ArrayList<>();
    lines.add("java.version=" + System.getProperty("java.version"));
    double[] sample = sample();
    MessageDigest plain = sha256();
    MessageDigest canonical = sha256();
    for (double d : sample) {
      plain.update((Double.toString(d) + "\n").getBytes(StandardCharsets.US_ASCII));
      canonical.update((CanonicalNumbers.of(d) + "\n").getBytes(StandardCharsets.US_ASCII));
    }
    lines.add("double_tostring_sha256=" + Hashing.hex(plain.digest()));
    lines.add("canonical_numbers_sha256=" + Hashing.hex(canonical.digest()));
    lines.add("doubles=" + sample.length);
    ProtocolTestVectorsTest.computed().forEach((k, v) -> lines.add(k + " = " + v));
    for (JsonNode c : ProtocolTestVectorsTest.documentedCases()) {
      lines.add(ProtocolTestVectorsTest.line(ProtocolTestVectorsTest.recompute(c)));
    }
    return lines;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static void main(String[] args) {
    lines().forEach(System.out::println);
  }
}
