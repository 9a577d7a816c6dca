package dev.herald.auditor;

import dev.herald.auditor.topology.AuditorStores;
import dev.herald.schema.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.UnknownStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auditor's Kafka Streams applications as Prometheus metrics, next to the counters the topology
 * registers itself:
 *
 * <ul>
 *   <li>Kafka Streams' own metrics (Micrometer {@link KafkaStreamsMetrics}: {@code kafka_stream_*},
 *       {@code kafka_consumer_*}, {@code kafka_producer_*}), tagged {@code application} = {@code
 *       reconciliation} or {@code identity};
 *   <li>{@code herald_store_entries{application,store}}: approximate entries of each local state
 *       store (RocksDB's estimate; the in-memory stores' exact size), refreshed every two seconds;
 *   <li>{@code herald_input_lag_records{topic,partition}}: records behind the end (the last stable
 *       offset, as the auditor reads committed data only) of each input partition this instance
 *       owns, refreshed every two seconds.
 * </ul>
 *
 * <pre>{@code
 * try (AuditorStreamsMetrics m = AuditorStreamsMetrics.bind(meters,
 *     Map.of("reconciliation", reconciliation, "identity", identity))) { ... }
 * }</pre>
 */
public final class AuditorStreamsMetrics implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditorStreamsMetrics.class);
  private static final Set<String> INPUTS =
      Set.of(Topics.STATE_CHANGES, Topics.HEARTBEATS, Topics.NODES);

  private final List<KafkaStreamsMetrics> binders = new ArrayList<>();
  private final Map<String, KafkaStreams> apps;
  private final MultiGauge lag;
  private final ScheduledExecutorService refresher;
  private final MeterRegistry meters;
  private final Map<String, AtomicReference<Double>> storeSizes = new ConcurrentHashMap<>();
  private final Set<String> absentStores = ConcurrentHashMap.newKeySet();

  private AuditorStreamsMetrics(MeterRegistry meters, Map<String, KafkaStreams> apps) {
    this.apps = Map.copyOf(apps);
    apps.forEach(
        (name, streams) -> {
          KafkaStreamsMetrics binder =
              new KafkaStreamsMetrics(streams, Tags.of("application", name));
          binder.bindTo(meters);
          binders.add(binder);
        });
    this.meters = meters;
    this.lag =
        MultiGauge.builder("herald.input.lag.records")
            .description("Records behind the last stable offset, per input partition owned here")
            .register(meters);
    this.refresher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "herald-streams-metrics");
              t.setDaemon(true);
              return t;
            });
    refresher.scheduleWithFixedDelay(
        () -> {
          refreshLag();
          refreshStoreSizes();
        },
        0,
        2,
        TimeUnit.SECONDS);
  }

  /** Binds the metrics of {@code apps} (name → application) to {@code meters}. */
  public static AuditorStreamsMetrics bind(MeterRegistry meters, Map<String, KafkaStreams> apps) {
    return new AuditorStreamsMetrics(meters, apps);
  }

  /** Every store name {@link AuditorStores} declares (a store an application lacks reads NaN). */
  static List<String> storeNames() {
    List<String> names = new ArrayList<>();
    for (Field f : AuditorStores.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        try {
          names.add((String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return names;
  }

  /**
   * Updates each store's size while its application runs; a store is registered as a gauge the
   * first time it answers (so an application's gauges name only its own stores) and keeps its last
   * value while a rebalance makes it unqueryable.
   */
  private void refreshStoreSizes() {
    apps.forEach(
        (app, streams) -> {
          if (streams.state() != KafkaStreams.State.RUNNING) {
            return;
          }
          for (String store : storeNames()) {
            String key = app + "/" + store;
            if (absentStores.contains(key)) {
              continue;
            }
            try {
              ReadOnlyKeyValueStore<Object, Object> s =
                  streams.store(
                      StoreQueryParameters.fromNameAndType(
                          store, QueryableStoreTypes.keyValueStore()));
              double n = s.approximateNumEntries();
              storeSizes
                  .computeIfAbsent(
                      key,
                      k -> {
                        AtomicReference<Double> v = new AtomicReference<>(n);
                        Gauge.builder("herald.store.entries", v, AtomicReference::get)
                            .description("Approximate entries of a local state store")
                            .tag("application", app)
                            .tag("store", store)
                            .register(meters);
                        return v;
                      })
                  .set(n);
            } catch (UnknownStateStoreException e) {
              absentStores.add(key); // a store of the other application
            } catch (InvalidStateStoreException e) {
              // rebalancing: keep the last value
            }
          }
        });
  }

  private void refreshLag() {
    try {
      Map<List<String>, Double> byPartition = new HashMap<>();
      for (KafkaStreams streams : apps.values()) {
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
          MetricName n = e.getKey();
          if (!"records-lag".equals(n.name())
              || !"consumer-fetch-manager-metrics".equals(n.group())) {
            continue;
          }
          String topic = n.tags().get("topic");
          String partition = n.tags().get("partition");
          if (topic == null || partition == null || !INPUTS.contains(topic)) {
            continue;
          }
          Object v = e.getValue().metricValue();
          if (v instanceof Number num && !Double.isNaN(num.doubleValue())) {
            byPartition.merge(List.of(topic, partition), num.doubleValue(), Double::sum);
          }
        }
      }
      List<MultiGauge.Row<?>> rows = new ArrayList<>();
      byPartition.forEach(
          (tp, v) ->
              rows.add(MultiGauge.Row.of(Tags.of("topic", tp.get(0), "partition", tp.get(1)), v)));
      lag.register(rows, true);
    } catch (RuntimeException e) {
      LOG.debug("input lag refresh failed: {}", e.toString());
    }
  }

  @Override
  public void close() {
    refresher.shutdownNow();
    binders.forEach(KafkaStreamsMetrics::close);
  }
}
