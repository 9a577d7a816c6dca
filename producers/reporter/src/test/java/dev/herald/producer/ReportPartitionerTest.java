package dev.herald.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

/**
 * The reporter's partitions are exactly Kafka's Java default partition of {@code group/entityKey}
 * (reports) and of {@code nodeId} (heartbeats).
 */
class ReportPartitionerTest {
  @Property
  void agreesWithKafkasBuiltInPartitioner(
      @ForAll String group,
      @ForAll String entityKey,
      @ForAll @IntRange(min = 1, max = 500) int partitions) {
    byte[] key = (group + "/" + entityKey).getBytes(StandardCharsets.UTF_8);
    assertThat(ReportPartitioner.partitionFor(group, entityKey, partitions))
        .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
  }

  @Property
  void heartbeatPartitionIsKafkasPartitionOfTheNodeId(
      @ForAll String nodeId, @ForAll @IntRange(min = 1, max = 500) int partitions) {
    assertThat(ReportPartitioner.heartbeatPartition(nodeId, partitions))
        .isEqualTo(
            BuiltInPartitioner.partitionForKey(
                nodeId.getBytes(StandardCharsets.UTF_8), partitions));
  }
}
