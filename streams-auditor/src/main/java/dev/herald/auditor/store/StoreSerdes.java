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
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The serdes of the auditor's store values in Avro ({@code src/main/avro/store}): entity states,
 * node ledgers, liveness records, the findings on the repartition topic and alert records. Each
 * call returns a new, thread-safe serde.
 */
public final class StoreSerdes {
  private StoreSerdes() {}

  public static AvroStoreSerde<EntityState, StoredEntity> entityStates() {
    return of(EntityState.class, StoredEntity.class, StoreMapping::toAvro, StoreMapping::fromAvro);
  }

  public static AvroStoreSerde<NodeLedger, StoredLedger> nodeLedgers() {
    return of(NodeLedger.class, StoredLedger.class, StoreMapping::toAvro, StoreMapping::fromAvro);
  }

  public static AvroStoreSerde<Finding, StoredFinding> findings() {
    return of(Finding.class, StoredFinding.class, StoreMapping::toAvro, StoreMapping::fromAvro);
  }

  public static AvroStoreSerde<Liveness, StoredLiveness> liveness() {
    return of(Liveness.class, StoredLiveness.class, StoreMapping::toAvro, StoreMapping::fromAvro);
  }

  public static AvroStoreSerde<AlertRecord, StoredAlert> alertRecords() {
    return of(AlertRecord.class, StoredAlert.class, StoreMapping::toAvro, StoreMapping::fromAvro);
  }

  private static <D, A extends SpecificRecordBase> AvroStoreSerde<D, A> of(
      Class<D> domain, Class<A> stored, Function<D, A> toAvro, Function<A, D> fromAvro) {
    return new AvroStoreSerde<>(
        domain.getSimpleName(), stored, toAvro, fromAvro, StoreSchemas.released());
  }
}
