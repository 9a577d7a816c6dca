package dev.herald.auditor.ledger;

import dev.herald.schema.AuditAlert;
import dev.herald.schema.LogLeaf;
import dev.herald.schema.Topics;
import dev.herald.schema.TreeHead;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.HeraldSerde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * Publishes the auditor's alerts signed and logged: each alert becomes leaf {@code logIndex} of the
 * Merkle log {@code logId} of the task that publishes it ({@link AuditLogProcessor}), is signed by
 * the auditor's key ({@link AuditorIdentity}, given to Kafka Streams under {@link #CONFIG}), and
 * goes to {@code herald.alerts.v1}; its leaf hash goes to {@code herald.audit-log.v1} and,
 * periodically, a signed tree head to {@code herald.tree-heads.v1} — all in the task's transaction.
 * Without an identity in the config (topology tests), alerts pass through unsigned.
 *
 * <pre>{@code
 * AuditLog.publish(builder, alerts, schemaRegistry, "lifecycle");  // instead of .to(ALERTS)
 * streamsProps.put(AuditLog.CONFIG, new AuditorIdentity(...));
 * }</pre>
 */
public final class AuditLog {
  /** The Kafka Streams config key that carries the {@link AuditorIdentity}. */
  public static final String CONFIG = "herald.auditor.identity";

  private AuditLog() {}

  /**
   * Signs, logs and publishes {@code alerts} (keyed by alertId).
   *
   * @param name names the processor, its store ({@code <name>-audit-log}) and the log ids
   */
  public static void publish(
      StreamsBuilder builder,
      KStream<String, AuditAlert> alerts,
      SchemaRegistryClient schemas,
      String name) {
    String store = name + "-audit-log";
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(store), Serdes.String(), Serdes.ByteArray()));
    HeraldSerde<AuditAlert> alertSerde = HeraldSerde.of(AuditAlert.class, schemas);
    HeraldSerde<LogLeaf> leafSerde = HeraldSerde.of(LogLeaf.class, schemas);
    HeraldSerde<TreeHead> headSerde = HeraldSerde.of(TreeHead.class, schemas);
    alerts
        .process(() -> new AuditLogProcessor(store, name), Named.as(name + "-audit-log"), store)
        .split(Named.as(name + "-logged-"))
        .branch(
            (k, v) -> v instanceof LogLeaf,
            Branched.withConsumer(
                s ->
                    s.mapValues(v -> (LogLeaf) v, Named.as(name + "-leaves"))
                        .to(Topics.AUDIT_LOG, Produced.with(Serdes.String(), leafSerde)),
                "leaves"))
        .branch(
            (k, v) -> v instanceof TreeHead,
            Branched.withConsumer(
                s ->
                    s.mapValues(v -> (TreeHead) v, Named.as(name + "-heads"))
                        .to(Topics.TREE_HEADS, Produced.with(Serdes.String(), headSerde)),
                "heads"))
        .defaultBranch(
            Branched.withConsumer(
                s ->
                    s.mapValues(v -> (AuditAlert) v, Named.as(name + "-signed"))
                        .to(Topics.ALERTS, Produced.with(Serdes.String(), alertSerde)),
                "alerts"));
  }
}
