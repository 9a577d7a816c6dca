package dev.herald.auditor.topology;

import dev.herald.auditor.alerting.AlertBook;
import dev.herald.auditor.alerting.AlertRecord;
import dev.herald.auditor.detect.AlertIds;
import dev.herald.auditor.detect.Finding;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns findings into published alerts with {@link AlertBook}, keeping each identity's record in
 * {@link AuditorStores#ALERT_BOOK}. Findings about one node arrive on one partition, so a node's
 * NODE_SILENT or FLOOD episode can suppress its REPLICA_LAG (one root cause, one alert).
 */
final class AlertLifecycleProcessor implements Processor<String, Finding, String, AuditAlert> {
  private final AuditPolicy policy;
  private final AuditorMetrics metrics;
  private ProcessorContext<String, AuditAlert> context;
  private KeyValueStore<String, AlertRecord> book;
  private PromptCommits prompt;

  AlertLifecycleProcessor(AuditPolicy policy, AuditorMetrics metrics) {
    this.policy = policy;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, AuditAlert> context) {
    this.context = context;
    book = context.getStateStore(AuditorStores.ALERT_BOOK);
    prompt = new PromptCommits(context);
  }

  @Override
  public void process(Record<String, Finding> record) {
    Finding f = record.value();
    if (f == null) {
      return;
    }
    String identity = f.identityKey();
    boolean suppressLag = f.type() == AlertType.REPLICA_LAG && lagExplained(f);
    AlertBook.Step step = AlertBook.apply(book.get(identity), f, policy, suppressLag);
    if (step.record() != null) {
      book.put(identity, step.record());
    }
    step.publish()
        .ifPresent(
            alert -> {
              metrics.alert(alert.getType().name(), alert.getStatus().name());
              context.forward(new Record<>(alert.getAlertId(), alert, record.timestamp()));
              prompt.emitted(record.timestamp());
            });
  }

  /** A silent or flooding node's missing reports are not lag. */
  private boolean lagExplained(Finding f) {
    String node = f.nodes().get(0);
    return open(AlertIds.identityKey(AlertType.NODE_SILENT, "", null, null, List.of(node)))
        || open(AlertIds.identityKey(AlertType.FLOOD, f.group(), null, null, List.of(node)));
  }

  private boolean open(String identity) {
    AlertRecord r = book.get(identity);
    return r != null && r.status == AlertStatus.OPEN;
  }
}
