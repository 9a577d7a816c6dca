package dev.herald.flink.trust;

import dev.herald.flink.io.HeartbeatEvent;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.HeartbeatStatus;
import dev.herald.schema.signing.BatchSignatures;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * Which heartbeats availability may count: those signed by the key the registry holds for their
 * node (or the key it declared a rotation from), of an ACTIVE node. The node's region and groups
 * come from its registration, never from the heartbeat, and the signed event time is clamped to the
 * Kafka record's time ± {@code skewMs}, so no writer moves event time further than that.
 *
 * <pre>{@code
 * HeartbeatTrust.Verdict v = HeartbeatTrust.judge(heartbeat, record.timestamp(), registry, 5_000);
 * }</pre>
 */
public final class HeartbeatTrust {
  /** Dead-letter reason: the node is not registered, or not ACTIVE. */
  public static final String UNKNOWN_NODE = "UNKNOWN_NODE";

  /** Dead-letter reason: the signature does not verify against the node's registered key. */
  public static final String FORGED = "FORGED";

  /** Dead-letter reason: the Kafka record has no timestamp to clamp event time to. */
  public static final String NO_RECORD_TIME = "NO_RECORD_TIME";

  private HeartbeatTrust() {}

  /** What the job does with one heartbeat. */
  public sealed interface Verdict permits Trusted, Refused {}

  /** A verified heartbeat, as availability sees it. */
  public record Trusted(HeartbeatEvent event) implements Verdict {}

  /** An unverifiable heartbeat: a dead letter with this reason and detail. */
  public record Refused(String reason, String detail) implements Verdict {}

  /**
   * Judges {@code hb}, read from a Kafka record with timestamp {@code recordTime}, against {@code
   * registry}.
   */
  public static Verdict judge(Heartbeat hb, long recordTime, NodeRegistry registry, long skewMs) {
    String nodeId = hb.getNodeId();
    NodeRegistry.Node node = registry.node(nodeId);
    if (node == null) {
      return new Refused(
          UNKNOWN_NODE,
          "heartbeat of node '"
              + nodeId
              + "', which is not registered in herald.nodes.v1; register it with herald nodes"
              + " register");
    }
    if (!node.active()) {
      return new Refused(
          UNKNOWN_NODE, "heartbeat of node '" + nodeId + "', whose registration is not ACTIVE");
    }
    Ed25519PublicKeyParameters key = node.keyFor(hb.getKeyId());
    if (key == null || !BatchSignatures.verify(hb, key)) {
      return new Refused(
          FORGED,
          "heartbeat of node '"
              + nodeId
              + "' (keyId '"
              + hb.getKeyId()
              + "') does not verify against its registered key");
    }
    if (recordTime < 0) {
      return new Refused(NO_RECORD_TIME, "heartbeat record of node '" + nodeId + "' has no time");
    }
    long signed = hb.getEventTime().toEpochMilli();
    long eventTime = Math.min(Math.max(signed, recordTime - skewMs), recordTime + skewMs);
    return new Trusted(
        new HeartbeatEvent(
            nodeId,
            node.region(),
            node.groups(),
            eventTime,
            hb.getStatus() == HeartbeatStatus.STOPPING,
            hb.getSequence(),
            signed));
  }
}
