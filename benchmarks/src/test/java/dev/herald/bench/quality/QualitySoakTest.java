package dev.herald.bench.quality;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.truth.ExpectedAlert;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a soak run that is not exact prints: the entities concerned and each of their reports. */
class QualitySoakTest {
  @Test
  void theEntitiesAreThoseTheMissedAndUnexpectedIdentitiesName() {
    ExpectedAlert.Identity missed =
        new ExpectedAlert.Identity("DIVERGENCE", "g1", "acct-0007", 4L, List.of("g1-node-2"));
    ExpectedAlert.Identity unexpected =
        new ExpectedAlert.Identity("FORK", "g2", "acct-0100", 9L, List.of("g2-node-1"));
    ExpectedAlert.Identity noEntity =
        new ExpectedAlert.Identity("FORGED_REPORT", "g3", null, null, List.of("g3-node-4"));

    assertThat(QualitySoak.entitiesOf(List.of(missed), List.of(unexpected, noEntity)))
        .containsExactly("g1/acct-0007", "g2/acct-0100");
  }

  @Test
  void eachReportOfAnEntityConcernedIsOneLineWithItsCoordinatesAndHashes() {
    ReportBatch batch =
        ReportBatch.newBuilder()
            .setNodeId("g1-node-3")
            .setKeyId("0123456789abcdef")
            .setPartition(2)
            .setBatchSeq(1_796_000_000_000_001L)
            .setCreatedAt(Instant.ofEpochMilli(1_796_000_000_000L))
            .setReports(
                List.of(
                    report("acct-0001", 5, new byte[0]), report("acct-0007", 4, hash((byte) 0xab))))
            .setSignature(ByteBuffer.wrap(new byte[64]))
            .build();

    List<String> lines = QualitySoak.reportsOf(Set.of("g1/acct-0007"), 2, 41, 1234, batch);

    assertThat(lines)
        .containsExactly(
            "p2@41 ts=1234 batch g1-node-3/1796000000000001 [1 of 2]: g1/acct-0007 v4"
                + " node=g1-node-3 base=abababababab state=cdcdcdcdcdcd op=op-4"
                + " eventTime=1796000000004");
    assertThat(QualitySoak.reportsOf(Set.of("g1/acct-0001"), 2, 41, 1234, batch).get(0))
        .contains("v5 node=g1-node-3 base=- state=cdcdcdcdcdcd");
  }

  private static StateChange report(String entity, long version, byte[] prev) {
    return StateChange.newBuilder()
        .setEventId("e-" + entity)
        .setGroup("g1")
        .setEntityKey(entity)
        .setVersion(version)
        .setNodeId("g1-node-3")
        .setPrevStateHash(ByteBuffer.wrap(prev))
        .setStateHash(ByteBuffer.wrap(hash((byte) 0xcd)))
        .setOpId("op-" + version)
        .setOpDigest(ByteBuffer.wrap(hash((byte) 0x01)))
        .setEventTime(Instant.ofEpochMilli(1_796_000_000_000L + version))
        .setAttributes(new HashMap<>())
        .build();
  }

  private static byte[] hash(byte b) {
    byte[] h = new byte[32];
    java.util.Arrays.fill(h, b);
    return h;
  }
}
