package dev.herald.auditor.topology;

import dev.herald.auditor.alerting.AlertBook;
import dev.herald.auditor.alerting.AlertRecord;
import dev.herald.auditor.detect.AlertIds;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.AlertStatuses;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns findings (and operators' acknowledgements) into published alerts with {@link AlertBook},
 * keeping each identity's record in {@link AuditorStores#ALERT_BOOK}. Findings about one node
 * arrive on one partition, so a node's NODE_SILENT or FLOOD episode can suppress its REPLICA_LAG
 * (one root cause, one alert).
 *
 * <p>A wall-clock check every second publishes what only time makes due: an episode's pending
 * UPDATED once the update interval has passed, and its RESOLVED once its type's quiet period has
 * passed without an occurrence. The records with something due are indexed in memory (rebuilt from
 * the store when the task starts), so the check never scans the store.
 */
final class AlertLifecycleProcessor implements Processor<String, Finding, String, AuditAlert> {
  private static final Duration CHECK = Duration.ofSeconds(1);

  // read at each use: a reloaded policy (herald auditor --policy) applies from the next finding or
  // check on
  private final Supplier<AuditPolicy> policies;
  private final AuditorMetrics metrics;
  private ProcessorContext<String, AuditAlert> context;
  private KeyValueStore<String, AlertRecord> book;
  private PromptCommits prompt;

  /** Wall time → identities with something due then; and each identity's entry in it. */
  private final TreeMap<Long, TreeSet<String>> due = new TreeMap<>();

  private final Map<String, Long> dueOf = new HashMap<>();

  AlertLifecycleProcessor(Supplier<AuditPolicy> policies, AuditorMetrics metrics) {
    this.policies = policies;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, AuditAlert> context) {
    this.context = context;
    book = context.getStateStore(AuditorStores.ALERT_BOOK);
    prompt = new PromptCommits(context);
    due.clear();
    dueOf.clear();
    try (KeyValueIterator<String, AlertRecord> it = book.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        index(kv.key, kv.value);
      }
    }
    context.schedule(CHECK, PunctuationType.WALL_CLOCK_TIME, this::tick);
  }

  @Override
  public void process(Record<String, Finding> record) {
    Finding f = record.value();
    if (f == null) {
      return;
    }
    String identity = f.identityKey();
    boolean suppressLag = f.type() == AlertType.REPLICA_LAG && lagExplained(f);
    AlertBook.Step step =
        AlertBook.apply(
            book.get(identity), f, policies.get(), suppressLag, context.currentSystemTimeMs());
    store(identity, step, record.timestamp());
  }

  private void tick(long wallNow) {
    List<String> ready = new ArrayList<>();
    while (!due.isEmpty() && due.firstKey() <= wallNow) {
      ready.addAll(due.pollFirstEntry().getValue());
    }
    for (String identity : ready) {
      dueOf.remove(identity);
      AlertRecord r = book.get(identity);
      AlertBook.Step step = AlertBook.tick(r, policies.get(), wallNow);
      store(identity, step, Math.max(0, r == null ? 0 : r.lastOccurrenceAt));
    }
  }

  private void store(String identity, AlertBook.Step step, long timestamp) {
    if (step.record() != null) {
      book.put(identity, step.record());
      index(identity, step.record());
    }
    for (AuditAlert alert : step.publish()) {
      metrics.alert(alert.getType().name(), alert.getStatus().name());
      context.forward(new Record<>(alert.getAlertId(), alert, timestamp));
      prompt.emitted(timestamp);
    }
  }

  private void index(String identity, AlertRecord r) {
    Long previous = dueOf.remove(identity);
    if (previous != null) {
      TreeSet<String> at = due.get(previous);
      if (at != null) {
        at.remove(identity);
        if (at.isEmpty()) {
          due.remove(previous);
        }
      }
    }
    long next = AlertBook.nextDue(r, policies.get());
    if (next != Long.MAX_VALUE) {
      due.computeIfAbsent(next, k -> new TreeSet<>()).add(identity);
      dueOf.put(identity, next);
    }
  }

  /** A silent or flooding node's missing reports are not lag. */
  private boolean lagExplained(Finding f) {
    String node = f.nodes().get(0);
    return active(AlertIds.identityKey(AlertType.NODE_SILENT, "", null, null, List.of(node)))
        || active(AlertIds.identityKey(AlertType.FLOOD, f.group(), null, null, List.of(node)));
  }

  private boolean active(String identity) {
    AlertRecord r = book.get(identity);
    return r != null && AlertStatuses.active(r.status);
  }
}
