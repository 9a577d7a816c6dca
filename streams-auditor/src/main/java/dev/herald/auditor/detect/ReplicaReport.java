package dev.herald.auditor.detect;

/**
 * One replica's claim, already verified (signature, identity, membership): hashes as lower-case
 * hex, the empty string for an empty {@code prevStateHash}.
 *
 * @param eventId report id
 * @param group replication group
 * @param entityKey entity
 * @param version version after the operation
 * @param nodeId reporting node
 * @param prevHash hash of the state it applied the operation to
 * @param stateHash hash of the state after the operation
 * @param opId operation id
 * @param opDigest hash of the operation
 * @param eventTime when the node applied it
 * @param evidence the batch it came in
 */
public record ReplicaReport(
    String eventId,
    String group,
    String entityKey,
    long version,
    String nodeId,
    String prevHash,
    String stateHash,
    String opId,
    String opDigest,
    long eventTime,
    EvidenceRef evidence) {

  /** Whether two reports claim the same thing (a benign duplicate), ignoring ids and times. */
  public boolean sameClaim(ReplicaReport other) {
    return prevHash.equals(other.prevHash)
        && stateHash.equals(other.stateHash)
        && opId.equals(other.opId)
        && opDigest.equals(other.opDigest);
  }

  /** {@code group/entityKey}: the key entities are partitioned and stored by. */
  public String entityId() {
    return EntityState.entityId(group, entityKey);
  }
}
