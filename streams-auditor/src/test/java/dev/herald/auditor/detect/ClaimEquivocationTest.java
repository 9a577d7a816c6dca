package dev.herald.auditor.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.AlertType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ClaimEquivocation} and {@link SignedClaim#digest}: pure, no Kafka. */
class ClaimEquivocationTest {
  private static final EvidenceRef FIRST = new EvidenceRef("t", 0, 10, "n3", "", 4, null, true, "");
  private static final EvidenceRef SECOND =
      new EvidenceRef("t", 0, 99, "n3", "", 9, null, true, "");

  private static ReplicaReport report(String prev, String state, String op, String opDigest) {
    return new ReplicaReport("e1", "g", "acct", 5, "n3", prev, state, op, opDigest, 5_000, SECOND);
  }

  private static SignedClaim recorded(ReplicaReport r) {
    return new SignedClaim(SignedClaim.digest(r), 100, FIRST);
  }

  @Test
  void theDigestCoversEveryPartOfTheClaimAndNothingElse() {
    ReplicaReport r = report("aa", "bb", "op5", "cc");
    assertThat(SignedClaim.digest(r)).isEqualTo(SignedClaim.digest(r));
    ReplicaReport otherIds =
        new ReplicaReport("e2", "g", "acct", 5, "n3", "aa", "bb", "op5", "cc", 9, FIRST);
    assertThat(SignedClaim.digest(otherIds)).isEqualTo(SignedClaim.digest(r));
    for (ReplicaReport other :
        List.of(
            report("ab", "bb", "op5", "cc"),
            report("aa", "bc", "op5", "cc"),
            report("aa", "bb", "op6", "cc"),
            report("aa", "bb", "op5", "cd"),
            // field boundaries move: a length prefix keeps them apart
            report("aab", "b", "op5", "cc"))) {
      assertThat(SignedClaim.digest(other)).isNotEqualTo(SignedClaim.digest(r));
    }
  }

  @Test
  void theDigestIsTheSha256OfTheDocumentedEncoding() throws Exception {
    // claims recorded by earlier versions are compared with this digest: its bytes never change
    ReplicaReport r = report("aa", "bb", "op-\u00e9", "");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes("herald-claim-v1\0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    for (String field : List.of("bb", "aa", "op-\u00e9", "")) {
      byte[] b = field.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(b.length).array());
      out.writeBytes(b);
    }
    byte[] expected = java.security.MessageDigest.getInstance("SHA-256").digest(out.toByteArray());

    assertThat(SignedClaim.digest(r)).isEqualTo(expected);
  }

  @Test
  void nothingRecordedIsNewAndTheSameClaimIsRepeated() {
    EntityState state = new EntityState("g", "acct");
    ReplicaReport r = report("aa", "bb", "op5", "cc");
    byte[] d = SignedClaim.digest(r);
    assertThat(ClaimEquivocation.judge(state, r, d, null, 0)).isEqualTo(ClaimEquivocation.NEW);
    assertThat(ClaimEquivocation.judge(state, r, d, recorded(r), 0))
        .isEqualTo(ClaimEquivocation.REPEATED);
  }

  @Test
  void aDifferentClaimForAVersionNoLongerHeldNamesTheNodeWithBothBatches() {
    EntityState state = new EntityState("g", "acct"); // evicted, or far past the window
    ReplicaReport first = report("aa", "bb", "op5", "cc");
    ReplicaReport second = report("aa", "bb", "op-other", "cc");

    ClaimEquivocation.Verdict v =
        ClaimEquivocation.judge(state, second, SignedClaim.digest(second), recorded(first), 7);

    assertThat(v).isInstanceOf(ClaimEquivocation.Equivocation.class);
    Finding f = ((ClaimEquivocation.Equivocation) v).finding();
    assertThat(f.type()).isEqualTo(AlertType.EQUIVOCATION);
    assertThat(f.nodes()).containsExactly("n3");
    assertThat(f.version()).isEqualTo(5);
    assertThat(f.evidence()).containsExactly(FIRST, SECOND);
    assertThat(f.identityKey())
        .isEqualTo(AlertIds.identityKey(AlertType.EQUIVOCATION, "g", "acct", 5L, List.of("n3")));
  }

  @Test
  void aDifferentClaimTheOpenVersionHoldsIsLeftToTheReconciler() {
    EntityState state = new EntityState("g", "acct");
    ReplicaReport first = report("aa", "bb", "op5", "cc");
    EntityState.VersionSlot slot = new EntityState.VersionSlot(5, 0, 0);
    slot.reports().put("n3", first);
    state.openVersions().put(5L, slot);
    ReplicaReport second = report("aa", "zz", "op5", "cc");

    assertThat(
            ClaimEquivocation.judge(state, second, SignedClaim.digest(second), recorded(first), 7))
        .isEqualTo(ClaimEquivocation.RECONCILE);
  }

  @Test
  void aDifferentClaimForAClosedVersionCarriesTheAgreedHash() {
    EntityState state = new EntityState("g", "acct");
    EntityState.ClosedVersion closed = new EntityState.ClosedVersion(5);
    closed.agreedHash("bb");
    state.closedVersions().put(5L, closed);
    ReplicaReport first = report("aa", "bb", "op5", "cc");
    ReplicaReport second = report("xx", "bb", "op5", "cc");

    ClaimEquivocation.Verdict v =
        ClaimEquivocation.judge(state, second, SignedClaim.digest(second), recorded(first), 7);

    assertThat(((ClaimEquivocation.Equivocation) v).finding().majorityHash()).isEqualTo("bb");
  }
}
