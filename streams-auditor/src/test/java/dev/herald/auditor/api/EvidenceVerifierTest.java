package dev.herald.auditor.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Evidence;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.Severity;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.Ed25519;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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

  @Test
  void anAlertWithoutEvidenceIsNotConfirmed() {
    AuditAlert a =
        Fixtures.alert("x", AlertType.NODE_SILENT, Severity.MEDIUM, "", T)
            .setEvidence(List.of())
            .build();

    assertThat(verifier.verify(a).confirmed()).isFalse();
  }
}
