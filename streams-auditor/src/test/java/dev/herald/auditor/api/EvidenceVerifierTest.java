package dev.herald.auditor.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.identity.RegistryRules;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Evidence;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Severity;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import dev.herald.schema.signing.RotationSignatures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EvidenceVerifierTest {
  private static final Instant T = Instant.parse("2026-03-01T12:00:00Z");
  private final AvroWireFormat<ReportBatch> format =
      new AvroWireFormat<>(ReportBatch.class, new InMemorySchemaRegistryClient());
  private final Ed25519.KeyPair key = Fixtures.key(3);
  private final NodeView nodes =
      new NodeView(Duration.ofSeconds(10), Clock.systemUTC(), new SimpleMeterRegistry());
  private final EvidenceVerifier verifier = new EvidenceVerifier(format, nodes);

  @Test
  void bothSignedReportsOfAnEquivocationVerify() {
    nodes.register(Fixtures.node("node-c", key, "payments"));

    EvidenceVerifier.AlertVerdict v = verifier.verify(Fixtures.equivocation(format, key, T));

    assertThat(v.checks())
        .hasSize(2)
        .allSatisfy(c -> assertThat(c.verdict()).isEqualTo(EvidenceVerifier.Verdict.VALID));
    assertThat(v.checks().get(0).reports().get(0).stateHash())
        .isNotEqualTo(v.checks().get(1).reports().get(0).stateHash());
    assertThat(v.confirmed()).isTrue();
  }

  @Test
  void aTamperedRecordIsInvalid() {
    nodes.register(Fixtures.node("node-c", key, "payments"));
    AuditAlert alert = Fixtures.equivocation(format, key, T);
    Evidence first = alert.getEvidence().get(0);
    byte[] bytes = first.getRecord().array().clone();
    bytes[bytes.length - 70] ^= 1; // inside the signed content or the signature
    Evidence tampered = Evidence.newBuilder(first).setRecord(ByteBuffer.wrap(bytes)).build();

    EvidenceVerifier.EvidenceCheck c = verifier.verify(0, tampered);

    assertThat(c.verdict()).isEqualTo(EvidenceVerifier.Verdict.INVALID);
    assertThat(c.confirmsAuditor()).isFalse();
  }

  @Test
  void aBatchSignedByAnotherKeyIsInvalidWithTheReason() {
    nodes.register(Fixtures.node("node-c", Fixtures.key(9), "payments"));

    EvidenceVerifier.AlertVerdict v = verifier.verify(Fixtures.equivocation(format, key, T));

    assertThat(v.checks().get(0).verdict()).isEqualTo(EvidenceVerifier.Verdict.INVALID);
    assertThat(v.checks().get(0).reason())
        .contains("no key with id " + key.keyId())
        .contains("node-c");
    assertThat(v.confirmed()).isFalse();
  }

  @Test
  void undecodableEvidenceIsInvalidNotAnException() {
    Evidence junk =
        Evidence.newBuilder(Fixtures.equivocation(format, key, T).getEvidence().get(0))
            .setRecord(ByteBuffer.wrap(new byte[] {7, 7}))
            .build();

    EvidenceVerifier.EvidenceCheck c = verifier.verify(0, junk);

    assertThat(c.verdict()).isEqualTo(EvidenceVerifier.Verdict.INVALID);
    assertThat(c.reason()).contains("BAD_MAGIC_BYTE");
  }

  /** A verifier that reads every evidence record back with broker time {@code at}. */
  private EvidenceVerifier fetchingAt(long at) {
    return new EvidenceVerifier(format, nodes)
        .withRotationGrace(Duration.ofSeconds(2))
        .withFetcher(
            e ->
                Optional.of(new EvidenceVerifier.FetchedRecord(NodeView.bytes(e.getRecord()), at)));
  }

  private void rotate(String node, Ed25519.KeyPair from, Ed25519.KeyPair to, long at) {
    NodeRecord r = Fixtures.node(node, to, "payments");
    r.setRotatesFrom(ByteBuffer.wrap(from.publicKey()));
    r.setRegisteredAt(Instant.ofEpochMilli(at));
    RotationSignatures.sign(r, from.privateKey());
    assertThat(nodes.apply(node, r, at, -1)).isInstanceOf(RegistryRules.Applied.class);
  }

  @Test
  void twoUnrelatedValidBatchesOfTheNodeDoNotProveAnEquivocation() {
    nodes.register(Fixtures.node("node-c", key, "payments"));
    ReportBatch one = Fixtures.batch("node-c", key, "payments", "acct-1", 7, "balance=100");
    ReportBatch two = Fixtures.batch("node-c", key, "payments", "acct-2", 3, "balance=5");
    AuditAlert framed =
        Fixtures.alert("eq-framed", AlertType.EQUIVOCATION, Severity.CRITICAL, "payments", T)
            .setEvidence(
                List.of(Fixtures.evidence(format, one, 10), Fixtures.evidence(format, two, 11)))
            .build();

    EvidenceVerifier.AlertVerdict v = verifier.verify(framed);

    assertThat(v.checks())
        .allSatisfy(c -> assertThat(c.verdict()).isEqualTo(EvidenceVerifier.Verdict.VALID));
    assertThat(v.claim().outcome()).isEqualTo(EvidenceVerifier.ClaimOutcome.NOT_SUPPORTED);
    assertThat(v.claim().reason())
        .contains("only one signed claim of node node-c for payments/acct-1 v7");
    assertThat(v.confirmed()).isFalse();
  }

  @Test
  void aTrueEquivocationStillVerifiesAfterTwoRotations() {
    nodes.apply("node-c", Fixtures.node("node-c", key, "payments"), 1_000, 0);
    rotate("node-c", key, Fixtures.key(4), 5_000);
    rotate("node-c", Fixtures.key(4), Fixtures.key(5), 9_000);

    EvidenceVerifier.AlertVerdict v =
        fetchingAt(2_000).verify(Fixtures.equivocation(format, key, T));

    assertThat(v.claim().outcome()).isEqualTo(EvidenceVerifier.ClaimOutcome.SUPPORTED);
    assertThat(v.confirmed()).as(v.toString()).isTrue();
  }

  @Test
  void aThiefsBatchWrittenAfterTheRotationDoesNotVerify() {
    nodes.apply("node-c", Fixtures.node("node-c", key, "payments"), 1_000, 0);
    rotate("node-c", key, Fixtures.key(4), 5_000);

    EvidenceVerifier.AlertVerdict v =
        fetchingAt(60_000).verify(Fixtures.equivocation(format, key, T));

    assertThat(v.checks())
        .allSatisfy(
            c -> {
              assertThat(c.verdict()).isEqualTo(EvidenceVerifier.Verdict.INVALID);
              assertThat(c.reason()).contains("retired key");
            });
    assertThat(v.confirmed()).isFalse();
    // without the broker time a retired key's record cannot be judged at all
    EvidenceVerifier.AlertVerdict blind = verifier.verify(Fixtures.equivocation(format, key, T));
    assertThat(blind.checks())
        .allSatisfy(c -> assertThat(c.verdict()).isEqualTo(EvidenceVerifier.Verdict.UNDECIDED));
    assertThat(blind.confirmed()).isFalse();
  }

  @Test
  void aRecordOfARevokedNodeWrittenAfterTheRevocationDoesNotVerify() {
    NodeRecord n = Fixtures.node("node-c", key, "payments");
    nodes.apply("node-c", n, 1_000, 0);
    nodes.apply("node-c", NodeRecord.newBuilder(n).setStatus(NodeStatus.REVOKED).build(), 5_000, 1);

    assertThat(fetchingAt(2_000).verify(Fixtures.equivocation(format, key, T)).confirmed())
        .isTrue();
    assertThat(fetchingAt(6_000).verify(Fixtures.equivocation(format, key, T)).checks())
        .allSatisfy(c -> assertThat(c.reason()).contains("REVOKED when the record was written"));
  }

  @Test
  void aForgedReportProvesNothingAboutTheNodeItNames() {
    nodes.register(Fixtures.node("node-c", Fixtures.key(9), "payments"));
    ReportBatch forged = Fixtures.batch("node-c", key, "payments", "acct-1", 7, "x");
    Evidence e =
        Evidence.newBuilder(Fixtures.evidence(format, forged, 10)).setSignatureValid(false).build();
    AuditAlert alert =
        Fixtures.alert("f", AlertType.FORGED_REPORT, Severity.CRITICAL, "payments", T)
            .setEntityKey(null)
            .setVersion(null)
            .setEvidence(List.of(e))
            .build();

    EvidenceVerifier.AlertVerdict v = verifier.verify(alert);

    assertThat(v.claim().outcome())
        .isEqualTo(EvidenceVerifier.ClaimOutcome.PROVES_NOTHING_ABOUT_NODE);
    assertThat(v.claim().reason())
        .contains("unverifiable input, proves nothing about the named node (node-c)");
    assertThat(v.confirmed()).isTrue();
  }

  @Test
  void aDivergenceNeedsTheNamedNodesSignedStateToDifferFromTheQuorums() {
    nodes.register(Fixtures.node("node-c", key, "payments"));
    ReportBatch minority = Fixtures.batch("node-c", key, "payments", "acct-1", 7, "balance=999");
    AuditAlert.Builder alert =
        Fixtures.alert("d", AlertType.DIVERGENCE, Severity.HIGH, "payments", T)
            .setEvidence(List.of(Fixtures.evidence(format, minority, 10)));
    byte[] quorum = dev.herald.schema.canonical.Hashing.sha256("balance=100".getBytes());
    byte[] same = dev.herald.schema.canonical.Hashing.sha256("balance=999".getBytes());

    EvidenceVerifier.AlertVerdict ok =
        verifier.verify(alert.setMajorityHash(ByteBuffer.wrap(quorum)).build());
    EvidenceVerifier.AlertVerdict wrong =
        verifier.verify(alert.setMajorityHash(ByteBuffer.wrap(same)).build());

    assertThat(ok.claim().outcome()).isEqualTo(EvidenceVerifier.ClaimOutcome.SUPPORTED);
    assertThat(ok.claim().reason()).contains("is the auditor's count");
    assertThat(ok.confirmed()).isTrue();
    assertThat(wrong.claim().outcome()).isEqualTo(EvidenceVerifier.ClaimOutcome.NOT_SUPPORTED);
    assertThat(wrong.confirmed()).isFalse();
  }

  @Test
  void anAlertWithoutEvidenceIsNotConfirmed() {
    AuditAlert a =
        Fixtures.alert("x", AlertType.NODE_SILENT, Severity.MEDIUM, "", T)
            .setEvidence(List.of())
            .build();

    assertThat(verifier.verify(a).confirmed()).isFalse();
  }
}
