package dev.herald.auditor.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.topology.TopologyRig;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.LogLeaf;
import dev.herald.schema.Severity;
import dev.herald.schema.Topics;
import dev.herald.schema.TreeHead;
import dev.herald.schema.ledger.AuditorSignatures;
import dev.herald.schema.ledger.MerkleTree;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.ByteBuffers;
import dev.herald.schema.serde.HeraldSerde;
import dev.herald.schema.signing.Ed25519;
import dev.herald.testsupport.Fleet;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AuditLog} on {@code TopologyTestDriver}: every alert leaves signed with its log index, its
 * leaf goes to the audit log, a head over exactly those leaves is published once per interval when
 * the log grew, and without an identity alerts pass through unsigned.
 */
class AuditLogTopologyTest {
  private static final Ed25519.KeyPair KEY = Fleet.filledKey(0);
  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

  @TempDir Path state;

  private TopologyRig rig(AuditorIdentity identity) {
    StreamsBuilder builder = new StreamsBuilder();
    AuditLog.publish(
        builder,
        builder.stream(
            "findings-out",
            Consumed.with(Serdes.String(), HeraldSerde.of(AuditAlert.class, registry))),
        registry,
        "lifecycle");
    Properties p = TopologyRig.properties("ledger-test", state);
    p.remove(StreamsConfig.PROCESSING_GUARANTEE_CONFIG); // the ledger alone: at-least-once
    if (identity != null) {
      p.put(AuditLog.CONFIG, identity);
    }
    return TopologyRig.of(builder.build(), p, Instant.ofEpochMilli(0), registry);
  }

  private static AuditAlert alert(int i) {
    return AuditAlert.newBuilder()
        .setAlertId("alert-" + i)
        .setType(AlertType.DIVERGENCE)
        .setSeverity(Severity.HIGH)
        .setStatus(AlertStatus.OPEN)
        .setGroup("g")
        .setNodes(List.of("n" + i))
        .setDetail("diverged")
        .setDetectedAt(Instant.ofEpochMilli(1000 + i))
        .setFirstEventTime(Instant.ofEpochMilli(1000))
        .setAttributes(Map.of())
        .build();
  }

  @Test
  void signsLogsAndPublishesAHeadOverExactlyThePublishedAlerts() {
    AuditorIdentity me = new AuditorIdentity("auditor-1", KEY, Duration.ofSeconds(1));
    try (TopologyRig rig = rig(me)) {
      TopologyTestDriver d = rig.driver;
      TestInputTopic<String, AuditAlert> in = rig.input("findings-out", AuditAlert.class);
      TestOutputTopic<String, AuditAlert> alerts = rig.alerts;
      TestOutputTopic<String, LogLeaf> leaves = rig.output(Topics.AUDIT_LOG, LogLeaf.class);
      TestOutputTopic<String, TreeHead> heads = rig.output(Topics.TREE_HEADS, TreeHead.class);

      // When
      for (int i = 0; i < 5; i++) {
        in.pipeInput("alert-" + i, alert(i));
      }
      d.advanceWallClockTime(Duration.ofSeconds(1));
      d.advanceWallClockTime(Duration.ofSeconds(1)); // the log did not grow: no second head

      // Then
      List<AuditAlert> published = alerts.readValuesToList();
      List<LogLeaf> logged = leaves.readValuesToList();
      List<TreeHead> signed = heads.readValuesToList();
      assertThat(published).hasSize(5);
      List<byte[]> hashes = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        AuditAlert a = published.get(i);
        assertThat(a.getLogId()).isEqualTo("ledger-test/lifecycle/0");
        assertThat(a.getLogIndex()).isEqualTo(i);
        assertThat(AuditorSignatures.verify(a, Ed25519.publicKey(KEY.publicKey()))).isTrue();
        assertThat(logged.get(i).getIndex()).isEqualTo(i);
        assertThat(ByteBuffers.bytes(logged.get(i).getLeafHash()))
            .isEqualTo(AuditorSignatures.leafHash(a));
        hashes.add(AuditorSignatures.leafHash(a));
      }
      assertThat(signed).hasSize(1);
      TreeHead head = signed.get(0);
      assertThat(head.getTreeSize()).isEqualTo(5);
      assertThat(ByteBuffers.bytes(head.getRootHash())).isEqualTo(MerkleTree.root(hashes, 0, 5));
      assertThat(AuditorSignatures.verify(head, Ed25519.publicKey(KEY.publicKey()))).isTrue();
    }
  }

  @Test
  void withoutAnIdentityAlertsPassThroughUnsigned() {
    try (TopologyRig rig = rig(null)) {
      TopologyTestDriver d = rig.driver;
      TestInputTopic<String, AuditAlert> in = rig.input("findings-out", AuditAlert.class);
      TestOutputTopic<String, AuditAlert> alerts = rig.alerts;

      in.pipeInput("alert-0", alert(0));
      d.advanceWallClockTime(Duration.ofSeconds(20));

      AuditAlert a = alerts.readValue();
      assertThat(a.getAuditorSignature()).isNull();
      assertThat(a.getLogIndex()).isNull();
      assertThat(d.producedTopicNames()).doesNotContain(Topics.TREE_HEADS, Topics.AUDIT_LOG);
    }
  }
}
