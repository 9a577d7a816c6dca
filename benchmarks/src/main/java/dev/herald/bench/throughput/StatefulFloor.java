package dev.herald.bench.throughput;

import dev.herald.auditor.store.AuditorRocksDb;
import dev.herald.bench.auditor.AuditorRun;
import dev.herald.bench.setup.BenchEnvironment;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import dev.herald.schema.signing.BatchSignatures;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * The stateful floor: the least a Kafka Streams application must do for the auditor's input under
 * {@code exactly_once_v2} — decode each batch, verify its signature against the registered key (the
 * work floor's work), and read and write one entity entry per report in a persistent, logged,
 * cached key-value store — with the auditor's commit interval, poll sizes and RocksDB settings.
 * Nothing of Herald's own logic (reconciliation, claims, verdicts, alerts) runs, so the auditor
 * against this floor measures Herald's logic, and this floor against the work floor measures Kafka
 * Streams, exactly-once and one state access per report.
 *
 * <pre>{@code
 * AuditorRun.Result s = StatefulFloor.reprocess(env);
 * double reportsPerSecond = s.perSecond(reports);
 * }</pre>
 */
public final class StatefulFloor {
  static final String STORE = "entities";

  private StatefulFloor() {}

  /** Reprocesses {@code herald.state-changes.v1} from offset 0 under a fresh application id. */
  public static AuditorRun.Result reprocess(BenchEnvironment env) throws Exception {
    String appId = "bench-stateful-floor-" + UUID.randomUUID().toString().substring(0, 8);
    Path dir = env.scratch(appId);
    Map<String, Ed25519PublicKeyParameters> keys =
        TopicDrain.registeredKeys(env.bootstrapServers(), env.registry());
    KafkaStreams streams =
        new KafkaStreams(topology(env.registry(), keys), properties(env, appId, dir));
    return AuditorRun.measure(
        env, appId, List.of(dir), streams::start, streams::close, () -> streams.state().name());
  }

  /** Source, the floor's processor with its store; no sink (the auditor's outputs are rare). */
  static Topology topology(
      SchemaRegistryClient registry, Map<String, Ed25519PublicKeyParameters> keys) {
    Topology t = new Topology();
    t.addSource(
        "batches",
        Serdes.String().deserializer(),
        Serdes.ByteArray().deserializer(),
        Topics.STATE_CHANGES);
    t.addProcessor("floor", () -> new FloorProcessor(registry, keys), "batches");
    t.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray()),
        "floor");
    return t;
  }

  /** The auditor's settings that shape the cost of processing, and nothing else. */
  static Properties properties(BenchEnvironment env, String appId, Path dir) {
    Properties p = new Properties();
    p.putAll(env.clientProperties());
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toAbsolutePath().toString());
    // as HeraldAuditor.streamsProperties
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1_000);
    p.put(StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG, 64);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 256);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, AuditorRocksDb.class);
    return p;
  }

  /**
   * Decodes and verifies each batch as the work floor does; for each report of a verified batch,
   * one read and one write of its entity's entry (version and state hash).
   */
  static final class FloorProcessor implements Processor<String, byte[], Void, Void> {
    private final AvroWireFormat<ReportBatch> format;
    private final Map<String, Ed25519PublicKeyParameters> keys;
    private KeyValueStore<String, byte[]> entities;

    FloorProcessor(SchemaRegistryClient registry, Map<String, Ed25519PublicKeyParameters> keys) {
      this.format = new AvroWireFormat<>(ReportBatch.class, registry);
      this.keys = keys;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      entities = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
      ReportBatch batch;
      try {
        batch = format.deserialize(Topics.STATE_CHANGES, record.value());
      } catch (MalformedRecordException e) {
        return;
      }
      Ed25519PublicKeyParameters key = keys.get(batch.getNodeId());
      if (key == null || !BatchSignatures.verify(batch, key)) {
        return;
      }
      for (StateChange report : batch.getReports()) {
        String entity = report.getGroup() + "/" + report.getEntityKey();
        byte[] held = entities.get(entity);
        long version = held == null ? 0 : ByteBuffer.wrap(held).getLong();
        if (report.getVersion() >= version) {
          ByteBuffer hash = report.getStateHash().duplicate();
          ByteBuffer value = ByteBuffer.allocate(Long.BYTES + hash.remaining());
          value.putLong(report.getVersion()).put(hash);
          entities.put(entity, value.array());
        }
      }
    }
  }
}
