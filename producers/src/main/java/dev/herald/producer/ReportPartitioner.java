package dev.herald.producer;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition of {@code herald.state-changes.v1} that holds an entity: Kafka's default
 * partitioner applied to the UTF-8 key {@code group + "/" + entityKey}, i.e. {@code
 * toPositive(murmur2(key)) % partitions} as in Kafka's {@code BuiltInPartitioner.partitionForKey}.
 * The reporter and the auditor must agree on it; a batch whose reports map elsewhere is forged.
 *
 * <pre>{@code
 * int p = ReportPartitioner.partitionFor("payments", "acct-17", 6);
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
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be positive, not " + partitions);
    }
    byte[] key = routingKey(group, entityKey).getBytes(StandardCharsets.UTF_8);
    return Utils.toPositive(Utils.murmur2(key)) % partitions;
  }
}
