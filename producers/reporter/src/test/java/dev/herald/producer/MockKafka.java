package dev.herald.producer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Kafka's own {@link MockProducer} over a one-node cluster that knows Herald's topics. */
public final class MockKafka {
  private MockKafka() {}

  /** A mock producer; {@code autoComplete} acknowledges every send at once. */
  public static MockProducer<byte[], byte[]> producer(
      boolean autoComplete, int partitions, String... topics) {
    Node node = new Node(0, "localhost", 9092);
    List<PartitionInfo> infos = new ArrayList<>();
    for (String topic : topics) {
      for (int p = 0; p < partitions; p++) {
        infos.add(new PartitionInfo(topic, p, node, new Node[] {node}, new Node[] {node}));
      }
    }
    Cluster cluster = new Cluster("test", List.of(node), infos, Set.of(), Set.of());
    return new MockProducer<>(
        cluster, autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
