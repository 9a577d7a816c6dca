package dev.herald.producer;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Where Herald's records go (docs/producer-protocol.md §3), computed explicitly, never left to a
 * client's default partitioner (librdkafka's default hashes with CRC32, not murmur2):
 *
 * <ul>
 *   <li>the partition of {@code herald.state-changes.v1} that holds an entity: {@code
 *       toPositive(murmur2(utf8(group + "/" + entityKey))) % partitions}, as Kafka's Java {@code
 *       BuiltInPartitioner.partitionForKey} computes it for that key. The reporter and the auditor
 *       must agree on it; a batch whose reports map elsewhere is forged;
 *   <li>the partition of {@code herald.heartbeats.v1} that holds a node's heartbeats: the same
 *       function of {@code utf8(nodeId)}.
 * </ul>
 *
 * <pre>{@code
 * int p = ReportPartitioner.partitionFor("payments", "acct-17", 6);
 * int h = ReportPartitioner.heartbeatPartition("payments-eu-1", 6);
 * }</pre>
 */
public final class ReportPartitioner {
  private ReportPartitioner() {}

  /** The routing key of an entity: {@code group/entityKey}. */
  public static String routingKey(String group, String entityKey) {
    return group + "/" + entityKey;
  }

  /** The partition of {@code group/entityKey} among {@code partitions} partitions. */
  public static int partitionFor(String group, String entityKey, int partitions) {
    return partitionOf(routingKey(group, entityKey).getBytes(StandardCharsets.UTF_8), partitions);
  }

  /** The partition of {@code herald.heartbeats.v1} for a node's heartbeats. */
  public static int heartbeatPartition(String nodeId, int partitions) {
    return partitionOf(nodeId.getBytes(StandardCharsets.UTF_8), partitions);
  }

  private static int partitionOf(byte[] key, int partitions) {
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be positive, not " + partitions);
    }
    return Utils.toPositive(Utils.murmur2(key)) % partitions;
  }
}
