package dev.herald.auditor.store;

import dev.herald.auditor.alerting.AlertRecord;
import dev.herald.auditor.detect.EntityState;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.detect.Liveness;
import dev.herald.auditor.detect.NodeLedger;
import dev.herald.auditor.store.avro.StoredAlert;
import dev.herald.auditor.store.avro.StoredEntity;
import dev.herald.auditor.store.avro.StoredFinding;
import dev.herald.auditor.store.avro.StoredLedger;
import dev.herald.auditor.store.avro.StoredLiveness;

/**
 * The serdes of the auditor's store values in Avro ({@code src/main/avro/store}): entity states,
 * node ledgers, liveness records, the findings on the repartition topic and alert records. Each
 * call returns a new, thread-safe serde.
 */
public final class StoreSerdes {
  private StoreSerdes() {}

  public static AvroStoreSerde<EntityState, StoredEntity> entityStates() {
    return new AvroStoreSerde<>(
        "EntityState",
        StoredEntity.class,
        StoreMapping::toAvro,
        StoreMapping::fromAvro,
        StoreSchemas.released());
  }

  public static AvroStoreSerde<NodeLedger, StoredLedger> nodeLedgers() {
    return new AvroStoreSerde<>(
        "NodeLedger",
        StoredLedger.class,
        StoreMapping::toAvro,
        StoreMapping::fromAvro,
        StoreSchemas.released());
  }

  public static AvroStoreSerde<Finding, StoredFinding> findings() {
    return new AvroStoreSerde<>(
        "Finding",
        StoredFinding.class,
        StoreMapping::toAvro,
        StoreMapping::fromAvro,
        StoreSchemas.released());
  }

  public static AvroStoreSerde<Liveness, StoredLiveness> liveness() {
    return new AvroStoreSerde<>(
        "Liveness",
        StoredLiveness.class,
        StoreMapping::toAvro,
        StoreMapping::fromAvro,
        StoreSchemas.released());
  }

  public static AvroStoreSerde<AlertRecord, StoredAlert> alertRecords() {
    return new AvroStoreSerde<>(
        "AlertRecord",
        StoredAlert.class,
        StoreMapping::toAvro,
        StoreMapping::fromAvro,
        StoreSchemas.released());
  }
}
