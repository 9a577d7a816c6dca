package dev.herald.infra.security;

import dev.herald.schema.Topics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The least-privilege ACLs of a secured Herald cluster, one list per {@link HeraldPrincipal}.
 *
 * <ul>
 *   <li>reporter: WRITE and DESCRIBE on the state-change and heartbeat topics, IDEMPOTENT_WRITE on
 *       the cluster. It cannot read anything, nor write alerts, nodes or the dead-letter topic.
 *   <li>auditor: READ on the reports, heartbeats, nodes and alerts; WRITE on alerts, the
 *       dead-letter topic and the Flink outputs; everything on its own internal topics (prefix =
 *       application id); consumer groups and transactional ids with the prefix {@code herald}.
 *   <li>operator: READ and WRITE on the node registry; READ on alerts, the dead-letter topic and
 *       the Flink outputs; the schema registry topic; the simulator's ground truth.
 *   <li>admin: a super user ({@code super.users}), needs no ACL.
 * </ul>
 *
 * <p>Apply them with any admin client of a super user:
 *
 * <pre>{@code
 * admin.createAcls(HeraldAcls.bindings("herald-auditor")).all().get();
 * }</pre>
 */
public final class HeraldAcls {
  /** Prefix of the consumer groups and transactional ids the auditor and Flink jobs use. */
  public static final String GROUP_PREFIX = "herald";

  private HeraldAcls() {}

  /** Every binding, for an auditor with the given Kafka Streams application id. */
  public static List<AclBinding> bindings(String auditorApplicationId) {
    List<AclBinding> out = new ArrayList<>();
    out.addAll(reporter());
    out.addAll(auditor(auditorApplicationId));
    out.addAll(operator());
    return out;
  }

  static List<AclBinding> reporter() {
    String p = HeraldPrincipal.REPORTER.kafkaPrincipal();
    List<AclBinding> out = new ArrayList<>();
    for (String topic : List.of(Topics.STATE_CHANGES, Topics.HEARTBEATS)) {
      out.add(allow(p, topic(topic), AclOperation.WRITE));
      out.add(allow(p, topic(topic), AclOperation.DESCRIBE));
    }
    out.add(allow(p, cluster(), AclOperation.IDEMPOTENT_WRITE));
    return out;
  }

  /** What the auditor principal writes and operators read. */
  private static final List<String> AUDITOR_OUTPUTS =
      List.of(
          Topics.ALERTS,
          Topics.DLQ,
          Topics.AVAILABILITY,
          Topics.RISK,
          Topics.AUDIT_LOG,
          Topics.TREE_HEADS);

  static List<AclBinding> auditor(String applicationId) {
    String p = HeraldPrincipal.AUDITOR.kafkaPrincipal();
    List<AclBinding> out = new ArrayList<>();
    for (String topic :
        List.of(
            Topics.STATE_CHANGES,
            Topics.HEARTBEATS,
            Topics.NODES,
            Topics.ALERTS,
            Topics.ALERT_ACKS)) {
      out.add(allow(p, topic(topic), AclOperation.READ));
      out.add(allow(p, topic(topic), AclOperation.DESCRIBE));
    }
    // acknowledgements made through the REST API (operator role) are written by the auditor
    out.add(allow(p, topic(Topics.ALERT_ACKS), AclOperation.WRITE));
    // The auditor checks at start that its inputs run on broker time (message.timestamp.type)
    // and how large a record its outputs take (max.message.bytes).
    for (String topic :
        List.of(Topics.STATE_CHANGES, Topics.HEARTBEATS, Topics.NODES, Topics.ALERTS, Topics.DLQ)) {
      out.add(allow(p, topic(topic), AclOperation.DESCRIBE_CONFIGS));
    }
    for (String topic : AUDITOR_OUTPUTS) {
      out.add(allow(p, topic(topic), AclOperation.WRITE));
      out.add(allow(p, topic(topic), AclOperation.DESCRIBE));
    }
    // consistency SLO: the auditor writes verdicts, the Flink job (same principal) reads them and
    // writes the figure, which the auditor's views read
    for (String topic : List.of(Topics.VERDICTS, Topics.CONSISTENCY)) {
      out.add(allow(p, topic(topic), AclOperation.READ));
      out.add(allow(p, topic(topic), AclOperation.WRITE));
      out.add(allow(p, topic(topic), AclOperation.DESCRIBE));
    }
    // Kafka Streams changelog and repartition topics are named <application.id>-...
    out.add(allow(p, prefixed(ResourceType.TOPIC, applicationId), AclOperation.ALL));
    out.add(allow(p, prefixed(ResourceType.GROUP, GROUP_PREFIX), AclOperation.READ));
    out.add(allow(p, prefixed(ResourceType.GROUP, GROUP_PREFIX), AclOperation.DESCRIBE));
    out.add(allow(p, prefixed(ResourceType.TRANSACTIONAL_ID, GROUP_PREFIX), AclOperation.WRITE));
    out.add(allow(p, prefixed(ResourceType.TRANSACTIONAL_ID, GROUP_PREFIX), AclOperation.DESCRIBE));
    out.add(allow(p, cluster(), AclOperation.IDEMPOTENT_WRITE));
    out.add(allow(p, cluster(), AclOperation.DESCRIBE_CONFIGS));
    return out;
  }

  static List<AclBinding> operator() {
    String p = HeraldPrincipal.OPERATOR.kafkaPrincipal();
    List<AclBinding> out = new ArrayList<>();
    // The simulator's ground truth is no production topic: no principal is granted it.
    for (String topic : List.of(Topics.NODES, Topics.SCHEMAS, Topics.ALERT_ACKS)) {
      out.add(allow(p, topic(topic), AclOperation.READ));
      out.add(allow(p, topic(topic), AclOperation.WRITE));
      out.add(allow(p, topic(topic), AclOperation.DESCRIBE));
    }
    List<String> readable = new ArrayList<>(AUDITOR_OUTPUTS);
    readable.add(Topics.VERDICTS);
    readable.add(Topics.CONSISTENCY);
    for (String topic : readable) {
      out.add(allow(p, topic(topic), AclOperation.READ));
      out.add(allow(p, topic(topic), AclOperation.DESCRIBE));
    }
    out.add(allow(p, topic(Topics.SCHEMAS), AclOperation.DESCRIBE_CONFIGS));
    out.add(allow(p, cluster(), AclOperation.IDEMPOTENT_WRITE));
    return out;
  }

  private static ResourcePattern topic(String name) {
    return new ResourcePattern(ResourceType.TOPIC, name, PatternType.LITERAL);
  }

  private static ResourcePattern prefixed(ResourceType type, String prefix) {
    return new ResourcePattern(type, prefix, PatternType.PREFIXED);
  }

  private static ResourcePattern cluster() {
    return new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL);
  }

  private static AclBinding allow(String principal, ResourcePattern pattern, AclOperation op) {
    return new AclBinding(
        pattern, new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
  }
}
