package dev.herald.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LowerChars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** For any entity keys, group and partition count, every report lands in its entity's partition. */
class BatchPartitionPropertiesTest {
  @Property(tries = 50)
  void everyReportInABatchMapsToTheBatchPartition(
      @ForAll @Size(min = 1, max = 60) List<@StringLength(min = 1, max = 20) String> entities,
      @ForAll @LowerChars @StringLength(min = 1, max = 10) String group,
      @ForAll @IntRange(min = 1, max = 12) int partitions) {
    InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    MockProducer<byte[], byte[]> producer =
        MockKafka.producer(true, partitions, Topics.STATE_CHANGES, Topics.HEARTBEATS);
    try (HeraldReporter reporter =
        HeraldReporter.builder()
            .nodeId("n")
            .group(group)
            .bootstrapServers("localhost:9092")
            .schemaRegistry(registry)
            .linger(Duration.ofMinutes(1))
            .heartbeatInterval(Duration.ZERO)
            .build(producer)) {
      long v = 1;
      for (String e : entities) {
        reporter.report(e, v++, null, Map.of("v", v), Operation.of("op", "{}"));
      }
      reporter.flush();
    }
    AvroWireFormat<ReportBatch> format = new AvroWireFormat<>(ReportBatch.class, registry);
    int reports = 0;
    for (ProducerRecord<byte[], byte[]> r : producer.history()) {
      if (!r.topic().equals(Topics.STATE_CHANGES)) {
        continue;
      }
      ReportBatch b = format.deserialize(r.topic(), r.value());
      assertThat(r.partition()).isEqualTo(b.getPartition());
      for (StateChange s : b.getReports()) {
        assertThat(ReportPartitioner.partitionFor(group, s.getEntityKey().toString(), partitions))
            .isEqualTo(b.getPartition());
        reports++;
      }
    }
    assertThat(reports).isEqualTo(entities.size());
  }
}
