package dev.herald.auditor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.auditor.detect.AlertIds;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.ConsistencyWindow;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.HeraldSerde;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconciliation topology turns a consistency figure whose burn-rate alert fires ({@code
 * herald.consistency.v1}, written by the Flink consistency job) into a {@code CONSISTENCY_BURN}
 * alert for the group through the alert lifecycle (OPEN, counted, RESOLVED after quiet), and every
 * record that is not such a figure into a dead letter with its reason. On {@link
 * TopologyTestDriver}, no broker.
 */
class ConsistencyBurnTopologyTest {
  private static final long MIN = 60_000;

  @TempDir Path stateDir;
  private final TestReplicas replicas = new TestReplicas();
  @AutoClose private TopologyRig rig;
  private TestInputTopic<String, byte[]> figures;
  private Serializer<ConsistencyWindow> avro;

  @BeforeEach
  void start() {
    rig = TopologyRig.reconciliation(replicas, stateDir, "burn-test", () -> AuditPolicy.DEFAULT);
    figures = rig.rawInput(Topics.CONSISTENCY);
    avro = HeraldSerde.of(ConsistencyWindow.class, replicas.schemas).serializer();
  }

  /** A figure of {@code group} for minute {@code n}: {@code good} of 100 versions within M. */
  private static ConsistencyWindow.Builder figure(String group, long n, long good, boolean burn) {
    double share = good / 100.0;
    return ConsistencyWindow.newBuilder()
        .setGroup(group)
        .setWindowStart(Instant.ofEpochMilli(n * MIN))
        .setWindowEnd(Instant.ofEpochMilli((n + 1) * MIN))
        .setWithinMs(5_000)
        .setVersions(100)
        .setAgreedWithin(good)
        .setShare(share)
        .setNines(good == 100 ? 2.0 : -Math.log10(1 - share))
        .setNinesAtLeast(good == 100)
        .setOutcomes(Map.of("AGREED", good, "DIVERGED", 100 - good))
        .setTarget(0.999)
        .setFastWindowMs(5 * MIN)
        .setFastBurnRate((1 - share) / 0.001)
        .setSlowWindowMs(60 * MIN)
        .setSlowBurnRate((1 - share) / 0.001)
        .setBurnThreshold(14.4)
        .setBurnAlert(burn)
        .setGeneratedAt(Instant.ofEpochMilli((n + 1) * MIN));
  }

  private void send(ConsistencyWindow w) {
    figures.pipeInput(
        w.getGroup().toString(),
        avro.serialize(Topics.CONSISTENCY, w),
        w.getWindowEnd().toEpochMilli());
  }

  @Test
  void aBurningWindowOpensOneGroupAlertThatResolvesAfterQuiet() {
    // When group g's figure of minute 10 burns (97 of 100 within 5 s, burn rate 30)
    send(figure("g", 10, 97, true).build());
    // Then one CONSISTENCY_BURN alert opens for g, naming no node, with the figures in its detail
    AuditAlert open = rig.alerts.readValue();
    assertThat(open.getType()).isEqualTo(AlertType.CONSISTENCY_BURN);
    assertThat(open.getStatus()).isEqualTo(AlertStatus.OPEN);
    assertThat(open.getGroup()).isEqualTo("g");
    assertThat(open.getNodes()).isEmpty();
    assertThat(open.getEntityKey()).isNull();
    assertThat(open.getAlertId())
        .isEqualTo(
            AlertIds.alertId(
                AlertIds.identityKey(AlertType.CONSISTENCY_BURN, "g", null, null, List.of()), 1));
    assertThat(open.getDetail())
        .contains("97 of 100 versions", "within 5000 ms", "97.000 %", "target 0.999", "30.0");
    assertThat(open.getDetail()).contains("window [" + 10 * MIN + ", " + 11 * MIN + ")");
    assertThat(open.getFirstEventTime()).isEqualTo(Instant.ofEpochMilli(10 * MIN));
    assertThat(rig.alerts.isEmpty()).isTrue();

    // When the next window burns too: the same episode (no second OPEN)
    send(figure("g", 11, 96, true).build());
    rig.driver.advanceWallClockTime(Duration.ofMinutes(1));
    assertThat(rig.alerts.readValuesToList())
        .allSatisfy(a -> assertThat(a.getAlertId()).isEqualTo(open.getAlertId()))
        .extracting(AuditAlert::getStatus)
        .doesNotContain(AlertStatus.OPEN);

    // When the following windows no longer burn and the quiet period (5 min) passes
    send(figure("g", 12, 100, false).build());
    rig.driver.advanceWallClockTime(Duration.ofMinutes(6));
    // Then the episode resolves
    assertThat(rig.alerts.readValuesToList())
        .extracting(AuditAlert::getAlertId, AuditAlert::getStatus)
        .contains(org.assertj.core.groups.Tuple.tuple(open.getAlertId(), AlertStatus.RESOLVED));

    // And a later burn is a new episode with its own id
    send(figure("g", 30, 90, true).build());
    AuditAlert again = rig.alerts.readValue();
    assertThat(again.getStatus()).isEqualTo(AlertStatus.OPEN);
    assertThat(again.getAlertId())
        .isEqualTo(
            AlertIds.alertId(
                AlertIds.identityKey(AlertType.CONSISTENCY_BURN, "g", null, null, List.of()), 2));
  }

  @Test
  void aWindowThatDoesNotBurnRaisesNothing() {
    // Given figures below the target whose burn-rate alert does not fire (one window only)
    send(figure("g", 10, 99, false).build());
    send(figure("h", 10, 100, false).build());
    rig.driver.advanceWallClockTime(Duration.ofMinutes(10));
    assertThat(rig.alerts.isEmpty()).isTrue();
    assertThat(rig.dlq.isEmpty()).isTrue();
  }

  @Test
  void groupsBurnSeparately() {
    send(figure("g", 10, 97, true).build());
    send(figure("h", 10, 95, true).build());
    assertThat(rig.alerts.readValuesToList())
        .extracting(AuditAlert::getGroup, AuditAlert::getStatus)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("g", AlertStatus.OPEN),
            org.assertj.core.groups.Tuple.tuple("h", AlertStatus.OPEN));
  }

  @Test
  void junkIsADeadLetterWithItsReasonAndRaisesNothing() {
    // bytes that are no Avro record of ours
    figures.pipeInput("g", "not avro at all".getBytes(), 1);
    // an empty record
    figures.pipeInput("g", new byte[0], 2);
    // an oversized one (a valid header and 1 MiB of junk)
    byte[] huge =
        Arrays.copyOf(avro.serialize(Topics.CONSISTENCY, figure("g", 1, 1, true).build()), 1 << 20);
    figures.pipeInput("g", huge, 3);
    // decodable figures that are not the job's: a burning window with a share above 1, a forged
    // group id, more agreed versions than versions, an infinite burn rate, an empty window, target
    // 1
    send(figure("g", 1, 97, true).setShare(1.5).build());
    send(figure("no such/group\u200b", 1, 97, true).build());
    send(figure("g", 1, 97, true).setAgreedWithin(101).build());
    send(figure("g", 1, 97, true).setFastBurnRate(Double.POSITIVE_INFINITY).build());
    send(figure("g", 1, 97, true).setWindowEnd(Instant.ofEpochMilli(MIN)).build());
    send(figure("g", 1, 97, true).setTarget(1.0).build());

    assertThat(rig.alerts.isEmpty()).isTrue();
    List<DeadLetter> letters = rig.dlq.readValuesToList();
    assertThat(letters)
        .extracting(l -> l.getReason().toString())
        .containsExactly(
            "BAD_MAGIC_BYTE",
            "EMPTY",
            "OVERSIZED",
            "INVALID",
            "INVALID",
            "INVALID",
            "INVALID",
            "INVALID",
            "INVALID");
    assertThat(letters.subList(3, 9))
        .extracting(l -> l.getDetail().toString())
        .allSatisfy(d -> assertThat(d).startsWith("consistency figure "))
        .anySatisfy(d -> assertThat(d).contains("share 1.5"))
        .anySatisfy(d -> assertThat(d).contains("invalid group id"))
        .anySatisfy(d -> assertThat(d).contains("101 of 100"))
        .anySatisfy(d -> assertThat(d).contains("Infinity"))
        .anySatisfy(d -> assertThat(d).contains("empty window"))
        .anySatisfy(d -> assertThat(d).contains("target 1.0"));

    // And the topology goes on: a real burning figure still raises its alert
    send(figure("g", 10, 97, true).build());
    assertThat(rig.alerts.readValue().getType()).isEqualTo(AlertType.CONSISTENCY_BURN);
  }
}
