package dev.herald.auditor.detect;

import dev.herald.auditor.detect.EntityState.ClosedVersion;
import dev.herald.auditor.detect.EntityState.VersionSlot;
import dev.herald.schema.AlertType;
import java.util.List;

/**
 * Equivocation against the claims a node signed earlier, as a pure function of (entity state,
 * report, its claim digest, the node's recorded claim for that version) → a {@link Verdict}. The
 * recorded claim ({@link SignedClaim}) outlives the entity's window of {@value
 * EntityState#CLOSED_WINDOW} closed versions and the entity state itself, so a node that signs a
 * second, different claim for an old version is named, with both signed batches as evidence; and
 * after a version closes the whole claim (state, base, operation id and digest) is compared, not
 * the state hash alone.
 *
 * <p>Runs before {@link Reconciler#onReport}. While the report's version is open and holds the
 * node's earlier report, {@link Reconciler} judges the difference itself (it also takes the node
 * out of the vote), so this detector {@link Verdict#RECONCILE defers}.
 *
 * <pre>{@code
 * byte[] digest = SignedClaim.digest(report);
 * ClaimEquivocation.Verdict v = ClaimEquivocation.judge(state, report, digest, recorded, now);
 * }</pre>
 */
public final class ClaimEquivocation {
  private ClaimEquivocation() {}

  /** What to do with a report given the node's recorded claim for its version. */
  public sealed interface Verdict permits New, Repeated, Reconcile, Equivocation {}

  /** No claim of the node is recorded for the version: record it and reconcile the report. */
  public record New() implements Verdict {}

  /** The node signed this very claim before: a duplicate, raising nothing. */
  public record Repeated() implements Verdict {}

  /** A different claim the open version still holds: {@link Reconciler} judges it. */
  public record Reconcile() implements Verdict {}

  /** A second, different claim: the finding names the node; the report is not voted. */
  public record Equivocation(Finding finding) implements Verdict {}

  /** Shared instances of the verdicts without data. */
  public static final Verdict NEW = new New();

  public static final Verdict REPEATED = new Repeated();

  public static final Verdict RECONCILE = new Reconcile();

  /**
   * Judges {@code report} (whose claim digest is {@code digest}) against {@code recorded}, the
   * node's claim recorded for the same entity version (null: none, or expired).
   *
   * @param state the entity (not changed), possibly new when its state was evicted
   * @param report the verified report
   * @param digest {@link SignedClaim#digest} of the report
   * @param recorded the node's recorded claim for the version, or null
   * @param now the partition's admitted clock
   */
  public static Verdict judge(
      EntityState state, ReplicaReport report, byte[] digest, SignedClaim recorded, long now) {
    if (recorded == null) {
      return NEW;
    }
    if (recorded.sameAs(digest)) {
      return REPEATED;
    }
    long v = report.version();
    VersionSlot slot = state.openVersion(v);
    if (slot != null && slot.reports().containsKey(report.nodeId())) {
      return RECONCILE;
    }
    ClosedVersion closed = state.closedVersion(v);
    String node = report.nodeId();
    String when =
        closed != null
            ? "closed version " + v
            : "version " + v + ", older than the versions the auditor still holds open or closed";
    Finding f =
        Finding.versionAlert(
            AlertType.EQUIVOCATION,
            report.group(),
            report.entityKey(),
            v,
            List.of(node),
            closed == null ? null : closed.agreedHash(),
            "node "
                + node
                + " signed a second, different claim for "
                + when
                + " (state "
                + Reconciler.shortHash(report.stateHash())
                + ", op "
                + report.opId()
                + "; its first claim is in batch "
                + recorded.where().batchSeq()
                + " at "
                + recorded.where().topic()
                + "/"
                + recorded.where().partition()
                + "@"
                + recorded.where().offset()
                + ")",
            report.eventTime(),
            now,
            List.of(recorded.where(), report.evidence()));
    return new Equivocation(f);
  }
}
