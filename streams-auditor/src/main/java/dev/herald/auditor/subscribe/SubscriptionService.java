package dev.herald.auditor.subscribe;

import dev.herald.schema.AuditAlert;
import dev.herald.schema.Topics;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers {@code herald.alerts.v1} to every subscription, at least once: each subscription reads
 * the topic with its own consumer group ({@code herald-subscription-<name>}) and commits an alert's
 * offset only after the receiver accepted it (or refused it for good), so a restart or a crash
 * redelivers rather than loses. The queue is bounded by {@code max.poll.records} ({@code
 * queueCapacity}); while a receiver is down the consumer is paused (no more records are fetched)
 * and kept in its group. Several auditor instances share each subscription's group, so every alert
 * is delivered by one of them.
 *
 * <p>An alert is committed only once delivered or refused for good: when delivery is interrupted
 * (shutdown while the receiver is down) the worker stops without committing it or anything after
 * it, and {@link #close()} stops every worker before waiting for any, so no subscription commits an
 * alert it did not deliver, however many there are. A crash commits nothing either.
 *
 * <p>A new subscription starts at the end of the topic: it receives alerts raised after it was
 * added, not the history. Alertmanager subscriptions also re-send what is active ({@link
 * AlertmanagerResender}, after {@link #resendFrom}).
 *
 * <pre>{@code
 * try (SubscriptionService subs = new SubscriptionService(kafkaProps, registry,
 *     SubscriptionConfig.load(Path.of("subscriptions.yaml")), meters, 1_000).start()) {
 *   ...
 * }
 * }</pre>
 */
public final class SubscriptionService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SubscriptionService.class);

  private final List<Worker> workers = new ArrayList<>();
  private final List<Subscription> subscriptions;
  private final HttpClient http;
  private final MeterRegistry meters;
  private final List<AlertmanagerResender> resenders = new ArrayList<>();
  private ScheduledExecutorService resendScheduler;

  /**
   * @param kafkaProps client properties ({@code bootstrap.servers}, security)
   * @param queueCapacity alerts fetched and not yet delivered, per subscription
   */
  public SubscriptionService(
      Properties kafkaProps,
      SchemaRegistryClient registry,
      List<Subscription> subscriptions,
      MeterRegistry meters,
      int queueCapacity) {
    this.subscriptions = List.copyOf(subscriptions);
    this.meters = meters;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    AvroWireFormat<AuditAlert> format = new AvroWireFormat<>(AuditAlert.class, registry);
    for (Subscription s : subscriptions) {
      workers.add(
          new Worker(
              s, kafkaProps, format, new AlertDelivery(s, http, meters), meters, queueCapacity));
    }
  }

  /**
   * Makes every Alertmanager subscription re-send, each {@link Subscription#resendInterval()}, the
   * active alerts of {@code alerts} (the current state of every alert, e.g. the API's alert view)
   * and, while {@code healthy}, the watchdog of {@code instance}. Call before {@link #start()}.
   */
  public SubscriptionService resendFrom(
      Supplier<? extends Collection<AuditAlert>> alerts, BooleanSupplier healthy, String instance) {
    for (Subscription s : subscriptions) {
      if (s.kind() == Subscription.Kind.ALERTMANAGER) {
        resenders.add(
            new AlertmanagerResender(
                s, http, alerts, healthy, instance, meters, Clock.systemUTC()));
      }
    }
    return this;
  }

  /** Starts one delivery thread per subscription (and the re-sends); returns this. */
  public SubscriptionService start() {
    workers.forEach(Worker::start);
    if (!resenders.isEmpty()) {
      resendScheduler =
          Executors.newScheduledThreadPool(
              1,
              r -> {
                Thread t = new Thread(r, "herald-alertmanager-resend");
                t.setDaemon(true);
                return t;
              });
      for (AlertmanagerResender r : resenders) {
        long ms = r.subscription().resendInterval().toMillis();
        resendScheduler.scheduleWithFixedDelay(
            () -> {
              try {
                r.resendOnce();
              } catch (RuntimeException e) {
                LOG.warn(
                    "alertmanager re-send failed subscription={}: {}",
                    r.subscription().name(),
                    e.toString());
              }
            },
            ms,
            ms,
            TimeUnit.MILLISECONDS);
      }
    }
    return this;
  }

  /** Whether every subscription's consumer has its partitions assigned. */
  public boolean ready() {
    return workers.stream().allMatch(w -> w.assigned);
  }

  /**
   * Stops every worker at once (none starts another delivery or commits after this), then waits for
   * them; an alert whose delivery was interrupted stays uncommitted and is delivered again after a
   * restart.
   */
  @Override
  public void close() {
    if (resendScheduler != null) {
      resendScheduler.shutdownNow();
    }
    workers.forEach(w -> w.running = false);
    workers.forEach(w -> w.consumer.wakeup());
    workers.forEach(Worker::join);
  }

  private static final class Worker implements Runnable {
    private final Subscription subscription;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AvroWireFormat<AuditAlert> format;
    private final AlertDelivery delivery;
    private final AtomicInteger pending = new AtomicInteger();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean assigned;

    Worker(
        Subscription s,
        Properties kafkaProps,
        AvroWireFormat<AuditAlert> format,
        AlertDelivery delivery,
        MeterRegistry meters,
        int queueCapacity) {
      this.subscription = s;
      this.format = format;
      this.delivery = delivery;
      Properties p = new Properties();
      p.putAll(kafkaProps);
      p.put(ConsumerConfig.GROUP_ID_CONFIG, "herald-subscription-" + s.name());
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      // never create Herald topics with default configs by reading them
      p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(queueCapacity));
      p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      this.consumer = new KafkaConsumer<>(p);
      Gauge.builder("herald.subscription.queue", pending, AtomicInteger::get)
          .description("Alerts fetched for a subscription and not yet delivered")
          .tag("subscription", s.name())
          .register(meters);
      this.thread = new Thread(this, "herald-subscription-" + s.name());
      this.thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    void join() {
      try {
        thread.join(15_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void run() {
      try {
        consumer.subscribe(List.of(Topics.ALERTS), new StartingPositions());
        while (running) {
          ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
          if (!assigned && !consumer.assignment().isEmpty()) {
            // resolve the starting positions now, so "ready" means no later alert is missed
            consumer.assignment().forEach(consumer::position);
            assigned = true;
            LOG.info(
                "subscription ready subscription={} partitions={}",
                subscription.name(),
                consumer.assignment().size());
          }
          pending.set(records.count());
          for (ConsumerRecord<byte[], byte[]> r : records) {
            if (!running || !handle(r)) {
              // not delivered: commit neither it nor anything after it; a restart redelivers
              LOG.info(
                  "subscription stopped before delivering; not committed subscription={}"
                      + " partition={} offset={}",
                  subscription.name(),
                  r.partition(),
                  r.offset());
              return;
            }
            pending.decrementAndGet();
            commit(r);
          }
        }
      } catch (WakeupException e) {
        // closing
      } catch (RuntimeException e) {
        LOG.error("subscription stopped subscription={}: {}", subscription.name(), e.toString(), e);
      } finally {
        consumer.close(Duration.ofSeconds(2));
      }
    }

    /**
     * A partition this subscription never committed starts at the end of the topic; that start is
     * committed at once, so an alert that arrives next and is not yet delivered when the auditor
     * dies is redelivered after the restart instead of being skipped by a second "start at the
     * end".
     */
    private final class StartingPositions implements ConsumerRebalanceListener {
      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed =
            consumer.committed(Set.copyOf(partitions));
        Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
        for (TopicPartition tp : partitions) {
          if (committed.get(tp) == null) {
            start.put(tp, new OffsetAndMetadata(consumer.position(tp)));
          }
        }
        if (!start.isEmpty()) {
          consumer.commitSync(start);
        }
      }

      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}
    }

    private void commit(ConsumerRecord<byte[], byte[]> r) {
      try {
        consumer.commitSync(
            Map.of(
                new TopicPartition(r.topic(), r.partition()),
                new OffsetAndMetadata(r.offset() + 1)));
      } catch (CommitFailedException | RebalanceInProgressException e) {
        // the partition moved to another instance, which redelivers from the last commit
        LOG.warn(
            "subscription commit failed after a rebalance, the alert may be delivered again"
                + " subscription={} partition={} offset={}",
            subscription.name(),
            r.partition(),
            r.offset());
      }
    }

    /** Whether {@code r} is done with (delivered, refused for good, or not for this receiver). */
    private boolean handle(ConsumerRecord<byte[], byte[]> r) {
      if (r.value() == null) {
        return true;
      }
      AuditAlert alert;
      try {
        alert = format.deserialize(r.topic(), r.value());
      } catch (MalformedRecordException e) {
        LOG.warn(
            "subscription skipped malformed alert subscription={} partition={} offset={} reason={}",
            subscription.name(),
            r.partition(),
            r.offset(),
            e.reason());
        return true;
      }
      if (!subscription.filter().matches(alert)) {
        return true;
      }
      consumer.pause(consumer.assignment());
      try {
        return delivery.deliver(alert, () -> running, () -> consumer.poll(Duration.ZERO))
            != AlertDelivery.Outcome.ABORTED;
      } finally {
        consumer.resume(consumer.assignment());
      }
    }
  }
}
