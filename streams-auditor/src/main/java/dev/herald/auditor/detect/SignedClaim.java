package dev.herald.auditor.detect;

import dev.herald.schema.canonical.Hashing;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * What the auditor keeps of one node's signed claim for one entity version once the claim has been
 * judged, for as long as the claims retention allows (beyond the entity's closed window, and after
 * its entity state is gone): the claim's digest, when it was admitted, and where its signed batch
 * was read.
 *
 * @param digest {@link #digest} of the claim (32 bytes)
 * @param recordedAt the partition's admitted clock when the claim was recorded
 * @param where the signed batch's coordinates, sequence and SHA-256 (no bytes)
 */
public record SignedClaim(byte[] digest, long recordedAt, EvidenceRef where) {

  private static final byte[] TAG = "herald-claim-v1\0".getBytes(StandardCharsets.UTF_8);

  /**
   * The SHA-256 of the whole claim of a report: a domain tag, then {@code stateHash}, {@code
   * prevHash}, {@code opId} and {@code opDigest}, each as a 4-byte big-endian length and its UTF-8
   * bytes (the hashes as lower-case hex, as {@link ReplicaReport} holds them), so no two claims
   * share one encoding. Ids and times are not part of the claim: a report re-sent with another
   * {@code eventId} claims the same thing.
   */
  public static byte[] digest(ReplicaReport r) {
    MessageDigest sha = SHA256.get();
    sha.reset();
    sha.update(TAG);
    field(sha, r.stateHash());
    field(sha, r.prevHash());
    field(sha, r.opId());
    field(sha, r.opDigest());
    return sha.digest();
  }

  // one digest per thread, fed field by field (no intermediate buffers): the same bytes as before
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every Java 17 runtime has SHA-256", e);
            }
          });

  private static void field(MessageDigest sha, String value) {
    byte[] b = value.getBytes(StandardCharsets.UTF_8);
    int n = b.length;
    sha.update((byte) (n >>> 24));
    sha.update((byte) (n >>> 16));
    sha.update((byte) (n >>> 8));
    sha.update((byte) n);
    sha.update(b);
  }

  /** Whether {@code otherDigest} is this claim's digest (a re-sent identical claim). */
  public boolean sameAs(byte[] otherDigest) {
    return Arrays.equals(digest, otherDigest);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedClaim c
        && Arrays.equals(digest, c.digest)
        && recordedAt == c.recordedAt
        && where.equals(c.where);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(digest) * 31 + Long.hashCode(recordedAt);
  }

  @Override
  public String toString() {
    return "SignedClaim[" + Hashing.hex(digest) + " at " + recordedAt + " in " + where + "]";
  }
}
