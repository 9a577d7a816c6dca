package dev.herald.auditor.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.identity.RegisteredNode;
import dev.herald.schema.AlertType;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Evidence;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Re-checks an alert offline: first each evidence record (a {@link ReportBatch} in the Confluent
 * wire format, embedded or fetched by its coordinates, its SHA-256 compared with the one the
 * auditor recorded) against the key its node had <em>when the record was written</em> — the key
 * history of {@code herald.nodes.v1}, with each key's validity interval, the rotation grace and the
 * node's revocations — and then whether the verified evidence proves what the alert claims ({@link
 * ClaimCheck}): an EQUIVOCATION needs two different signed claims of the named node for the alert's
 * entity and version; a DIVERGENCE needs each named node's signed report with a state other than
 * the quorum's; a FORGED_REPORT's evidence is unverifiable input, which proves nothing about the
 * node it names. Used by {@code GET /api/alerts/{id}/evidence}, the dashboard and {@code herald
 * verify}.
 *
 * <pre>{@code
 * EvidenceVerifier verifier = new EvidenceVerifier(new AvroWireFormat<>(ReportBatch.class, registry), nodeView)
 *     .withFetcher(e -> fetchFromKafka(e));
 * EvidenceVerifier.AlertVerdict v = verifier.verify(alert);
 * System.out.println(v.claim().outcome() + ": " + v.claim().reason());
 * }</pre>
 */
public final class EvidenceVerifier {

  /** The rotation grace {@code herald verify} assumes unless told (the policy's default). */
  public static final Duration DEFAULT_ROTATION_GRACE = Duration.ofMinutes(5);

  /**
   * VALID: the signature verifies against the key its node had when the record was written;
   * INVALID: it does not (or the node was not registered or active then); UNDECIDED: the record
   * cannot be judged (not fetched, not the bytes the auditor hashed, or signed by a key retired
   * since and its broker time is unknown).
   */
  public enum Verdict {
    VALID,
    INVALID,
    UNDECIDED
  }

  /** One report of a decoded batch, as shown next to its evidence. */
  public record Report(
      String group,
      String entityKey,
      long version,
      String nodeId,
      String opId,
      String prevStateHash,
      String stateHash,
      Instant eventTime) {}

  /**
   * The check of one evidence record.
   *
   * @param index position in the alert's evidence list
   * @param verdict see {@link Verdict}
   * @param reason why, in one sentence
   * @param auditorSaidValid what the auditor recorded when it raised the alert
   * @param brokerTime when the record was appended (its broker timestamp), null when unknown
   * @param reports the batch's reports (empty when it cannot be decoded)
   */
  public record EvidenceCheck(
      int index,
      String topic,
      int partition,
      long offset,
      String nodeId,
      String keyId,
      long batchSeq,
      Verdict verdict,
      String reason,
      boolean auditorSaidValid,
      Instant brokerTime,
      List<Report> reports) {
    /** Whether this check agrees with what the auditor recorded (never when UNDECIDED). */
    @JsonProperty("confirmsAuditor")
    public boolean confirmsAuditor() {
      return verdict != Verdict.UNDECIDED && (verdict == Verdict.VALID) == auditorSaidValid;
    }
  }

  /** Whether the verified evidence proves the alert's claim. */
  public enum ClaimOutcome {
    /** The finding re-derived from the verified evidence alone. */
    SUPPORTED,
    /**
     * The named nodes signed the reports the alert cites, but the rest of the finding (a quorum, an
     * earlier version) is not in the evidence: it rests on the auditor's record.
     */
    SIGNED_ONLY,
    /**
     * The evidence is unverifiable input in the named node's name (FORGED_REPORT, UNKNOWN_NODE): it
     * is what the auditor recorded, and it proves nothing about that node.
     */
    PROVES_NOTHING_ABOUT_NODE,
    /** The evidence does not prove the claim. */
    NOT_SUPPORTED
  }

  /**
   * The claim check.
   *
   * @param outcome see {@link ClaimOutcome}
   * @param reason what the evidence shows, in a sentence or two
   */
  public record ClaimCheck(ClaimOutcome outcome, String reason) {
    /** Whether the evidence supports the alert as far as evidence can. */
    public boolean supports() {
      return outcome != ClaimOutcome.NOT_SUPPORTED;
    }
  }

  /**
   * All checks of one alert. {@code confirmed} when there is evidence, every record checks out as
   * the auditor recorded it, and the claim check supports the alert.
   */
  public record AlertVerdict(
      String alertId, String type, List<EvidenceCheck> checks, ClaimCheck claim) {
    @JsonProperty("confirmed")
    public boolean confirmed() {
      return !checks.isEmpty()
          && checks.stream().allMatch(EvidenceCheck::confirmsAuditor)
          && claim.supports();
    }
  }

  /**
   * A record read back from its topic: the value and its broker timestamp (-1 when unknown).
   *
   * @param value the record value
   * @param timestamp the record's timestamp (the broker's append time on Herald's topics)
   */
  public record FetchedRecord(byte[] value, long timestamp) {}

  /** Reads an evidence record back from Kafka by its coordinates. */
  @FunctionalInterface
  public interface RecordFetcher {
    /** The record at the evidence's topic, partition and offset, if it is still there. */
    Optional<FetchedRecord> fetch(Evidence evidence);
  }

  private final AvroWireFormat<ReportBatch> batches;
  private final KeyDirectory keys;
  private RecordFetcher fetcher = e -> Optional.empty();
  private long graceMs = DEFAULT_ROTATION_GRACE.toMillis();

  public EvidenceVerifier(AvroWireFormat<ReportBatch> batches, KeyDirectory keys) {
    this.batches = batches;
    this.keys = keys;
  }

  /**
   * Reads evidence back from Kafka with {@code fetcher}: records an alert carries by coordinates
   * only, and the broker time of the embedded ones (which decides the key they are checked
   * against). A fetched record must be the one the auditor hashed.
   */
  public EvidenceVerifier withFetcher(RecordFetcher fetcher) {
    this.fetcher = fetcher;
    return this;
  }

  /**
   * The key-rotation grace the auditor ran with ({@code time.keyRotationGrace}): a retired key is
   * accepted for records written up to this long after its rotation.
   */
  public EvidenceVerifier withRotationGrace(Duration grace) {
    this.graceMs = grace.toMillis();
    return this;
  }

  /** Checks every evidence record of {@code alert} and whether they prove its claim. */
  public AlertVerdict verify(AuditAlert alert) {
    List<EvidenceCheck> checks = new ArrayList<>();
    List<ReportBatch> valid = new ArrayList<>();
    List<Evidence> evidence = alert.getEvidence();
    for (int i = 0; i < evidence.size(); i++) {
      Checked c = check(i, evidence.get(i));
      checks.add(c.check());
      if (c.check().verdict() == Verdict.VALID && c.batch() != null) {
        valid.add(c.batch());
      }
    }
    return new AlertVerdict(
        alert.getAlertId(),
        alert.getType().name(),
        List.copyOf(checks),
        claim(alert, checks, valid));
  }

  /** Checks one evidence record. */
  public EvidenceCheck verify(int index, Evidence e) {
    return check(index, e).check();
  }

  private record Checked(EvidenceCheck check, ReportBatch batch) {}

  private Checked check(int index, Evidence e) {
    byte[] embedded = NodeView.bytes(e.getRecord());
    byte[] recorded = e.getSha256() == null ? new byte[0] : NodeView.bytes(e.getSha256());
    Optional<FetchedRecord> fetched = fetcher.fetch(e);
    byte[] record = embedded;
    Instant brokerTime = null;
    if (fetched.isPresent()) {
      FetchedRecord f = fetched.get();
      if (embedded.length > 0 && !Arrays.equals(embedded, f.value())) {
        return undecided(
            index,
            e,
            "the record at "
                + where(e)
                + " is not the one the alert carries: the alert's coordinates do not point at its"
                + " evidence",
            null);
      }
      record = f.value() == null ? new byte[0] : f.value();
      brokerTime = f.timestamp() >= 0 ? Instant.ofEpochMilli(f.timestamp()) : null;
    } else if (embedded.length == 0) {
      return undecided(
          index,
          e,
          "the alert carries this record by coordinates only (over its evidence budget) and it"
              + " could not be fetched from "
              + where(e)
              + "; run herald verify with access to that topic",
          null);
    }
    if (recorded.length > 0 && !Arrays.equals(recorded, Hashing.sha256(record))) {
      return undecided(
          index,
          e,
          "the record's SHA-256 is not the one the auditor recorded: it is not the evidence",
          brokerTime);
    }
    ReportBatch batch;
    try {
      batch = batches.deserialize(e.getTopic(), record);
    } catch (MalformedRecordException m) {
      return new Checked(
          check(
              index,
              e,
              Verdict.INVALID,
              "cannot decode the record (" + m.reason() + "): " + m.getMessage(),
              brokerTime,
              List.of()),
          null);
    }
    List<Report> reports = reports(batch);
    if (!batch.getNodeId().equals(e.getNodeId())) {
      return invalid(
          index,
          e,
          "the batch is of node '"
              + batch.getNodeId()
              + "', the evidence names '"
              + e.getNodeId()
              + "'",
          brokerTime,
          reports);
    }
    Optional<NodeHistory> history = keys.history(batch.getNodeId());
    if (history.isEmpty() || history.get().entries().isEmpty()) {
      return invalid(
          index,
          e,
          "node '" + batch.getNodeId() + "' was never registered on herald.nodes.v1",
          brokerTime,
          reports);
    }
    NodeHistory h = history.get();
    long t = brokerTime == null ? Long.MAX_VALUE : brokerTime.toEpochMilli();
    Optional<NodeHistory.KeySpan> span = h.span(batch.getKeyId(), t);
    if (span.isEmpty()) {
      return invalid(
          index,
          e,
          "no key with id "
              + batch.getKeyId()
              + " was registered for node '"
              + batch.getNodeId()
              + "'"
              + (brokerTime == null ? "" : " by " + brokerTime),
          brokerTime,
          reports);
    }
    NodeHistory.KeySpan key = span.get();
    boolean signed;
    try {
      signed = BatchSignatures.verify(batch, Ed25519.publicKey(key.publicKey()));
    } catch (IllegalArgumentException bad) {
      return invalid(
          index, e, "the registered key is unusable: " + bad.getMessage(), brokerTime, reports);
    }
    if (!signed) {
      return invalid(
          index,
          e,
          "signature does not verify against key "
              + key.keyId()
              + " registered for node '"
              + batch.getNodeId()
              + "'",
          brokerTime,
          reports);
    }
    String interval = "key " + key.keyId() + " of node '" + batch.getNodeId() + "' " + span(key);
    if (brokerTime == null) {
      // Without the broker time only a key that is still the node's key, of a node never
      // deactivated since, can be vouched for: the signed createdAt of a retired key's record
      // could be backdated by whoever holds that key.
      boolean stillValid =
          key.until() == Long.MAX_VALUE
              && h.deactivations().stream().noneMatch(d -> d >= key.from())
              && h.latest() != null
              && h.latest().active();
      if (!stillValid) {
        return new Checked(
            check(
                index,
                e,
                Verdict.UNDECIDED,
                "the signature verifies against "
                    + interval
                    + ", but that key was retired or the node deactivated since, and the record's"
                    + " broker time is unknown (its signed createdAt could be backdated); run"
                    + " herald verify with access to "
                    + e.getTopic(),
                null,
                reports),
            batch);
      }
      return valid(
          index,
          e,
          "signature verifies against "
              + interval
              + ", the node's current key (broker time not read)",
          null,
          reports,
          batch);
    }
    long at = brokerTime.toEpochMilli();
    RegisteredNode then = h.at(at);
    if (then == null || !then.active()) {
      return invalid(
          index,
          e,
          "signature verifies against "
              + interval
              + ", but the node was "
              + (then == null ? "not registered" : then.status())
              + " when the record was written ("
              + brokerTime
              + ")",
          brokerTime,
          reports);
    }
    if (at >= key.until() && at - graceMs > key.until()) {
      return invalid(
          index,
          e,
          "signature verifies against "
              + interval
              + ", but the record was written at "
              + brokerTime
              + ", after that key's rotation and its grace ("
              + Duration.ofMillis(graceMs)
              + "): whoever signed it held a retired key",
          brokerTime,
          reports);
    }
    return valid(
        index,
        e,
        "signature verifies against "
            + interval
            + (at >= key.until() ? " (within the rotation grace)" : "")
            + "; written at "
            + brokerTime,
        brokerTime,
        reports,
        batch);
  }

  // ---- the claim ------------------------------------------------------------------------------

  private ClaimCheck claim(AuditAlert alert, List<EvidenceCheck> checks, List<ReportBatch> valid) {
    AlertType type = alert.getType();
    if (checks.isEmpty()) {
      return new ClaimCheck(
          ClaimOutcome.NOT_SUPPORTED, "the alert carries no signed evidence to verify");
    }
    return switch (type) {
      case FORGED_REPORT, UNKNOWN_NODE -> unverifiable(alert, checks);
      case EQUIVOCATION -> equivocation(alert, valid);
      case DIVERGENCE -> divergence(alert, valid);
      default -> signedOnly(alert, valid);
    };
  }

  private static ClaimCheck unverifiable(AuditAlert alert, List<EvidenceCheck> checks) {
    String named = String.join(", ", alert.getNodes());
    if (checks.stream().anyMatch(c -> c.verdict() == Verdict.VALID)) {
      return new ClaimCheck(
          ClaimOutcome.NOT_SUPPORTED,
          "a record of the evidence verifies as its node: it is not unverifiable input");
    }
    return new ClaimCheck(
        ClaimOutcome.PROVES_NOTHING_ABOUT_NODE,
        "unverifiable input, proves nothing about the named node ("
            + named
            + "): someone without its key wrote it in its name");
  }

  /** Two different signed claims of the named node for the alert's entity and version. */
  private static ClaimCheck equivocation(AuditAlert alert, List<ReportBatch> valid) {
    if (alert.getNodes().size() != 1) {
      return new ClaimCheck(
          ClaimOutcome.NOT_SUPPORTED,
          "an equivocation names exactly one node, this alert names " + alert.getNodes());
    }
    String node = alert.getNodes().get(0);
    if (alert.getEntityKey() == null || alert.getVersion() == null) {
      // two batches under one sequence number contradict nothing by themselves (producer
      // protocol section 7): only two claims for one entity version are an equivocation
      return new ClaimCheck(
          ClaimOutcome.NOT_SUPPORTED,
          "an equivocation is two different signed claims for one entity version; this alert names"
              + " no entity and version");
    }
    String what = alert.getGroup() + "/" + alert.getEntityKey() + " v" + alert.getVersion();
    Set<String> claims = new LinkedHashSet<>();
    Set<Long> batchesWithClaims = new TreeSet<>();
    for (ReportBatch b : valid) {
      if (!b.getNodeId().equals(node)) {
        continue;
      }
      for (StateChange r : b.getReports()) {
        if (r.getNodeId().equals(node) && about(r, alert)) {
          claims.add(claimOf(r));
          batchesWithClaims.add(b.getBatchSeq());
        }
      }
    }
    if (claims.size() >= 2) {
      return new ClaimCheck(
          ClaimOutcome.SUPPORTED,
          "node "
              + node
              + " signed "
              + claims.size()
              + " different claims for "
              + what
              + " (in batches "
              + batchesWithClaims
              + ")");
    }
    return new ClaimCheck(
        ClaimOutcome.NOT_SUPPORTED,
        "the verified evidence holds "
            + (claims.isEmpty() ? "no" : "only one")
            + " signed claim of node "
            + node
            + " for "
            + what
            + "; an equivocation needs two different ones");
  }

  /** Each named node signed a state for the entity version that is not the quorum's. */
  private static ClaimCheck divergence(AuditAlert alert, List<ReportBatch> valid) {
    if (alert.getEntityKey() == null || alert.getVersion() == null || alert.getNodes().isEmpty()) {
      return new ClaimCheck(
          ClaimOutcome.NOT_SUPPORTED, "a divergence names an entity version and its minority");
    }
    if (alert.getMajorityHash() == null || !alert.getMajorityHash().hasRemaining()) {
      return new ClaimCheck(
          ClaimOutcome.NOT_SUPPORTED, "the alert names no quorum hash to diverge from");
    }
    String majority = Hashing.hex(alert.getMajorityHash());
    String what = alert.getGroup() + "/" + alert.getEntityKey() + " v" + alert.getVersion();
    List<String> missing = new ArrayList<>();
    Set<String> agreeing = new TreeSet<>();
    for (String node : alert.getNodes()) {
      boolean diverged = false;
      for (ReportBatch b : valid) {
        for (StateChange r : b.getReports()) {
          if (!about(r, alert) || !r.getNodeId().equals(b.getNodeId())) {
            continue;
          }
          String hash = Hashing.hex(r.getStateHash());
          if (hash.equals(majority)) {
            agreeing.add(r.getNodeId());
          } else if (r.getNodeId().equals(node)) {
            diverged = true;
          }
        }
      }
      if (!diverged) {
        missing.add(node);
      }
    }
    if (!missing.isEmpty()) {
      return new ClaimCheck(
          ClaimOutcome.NOT_SUPPORTED,
          "the verified evidence holds no report of "
              + missing
              + " for "
              + what
              + " with a state other than the quorum's "
              + shortHash(majority));
    }
    return new ClaimCheck(
        ClaimOutcome.SUPPORTED,
        alert.getNodes()
            + " signed a state for "
            + what
            + " other than "
            + shortHash(majority)
            + (agreeing.isEmpty()
                ? "; that a quorum agreed on "
                    + shortHash(majority)
                    + " is the auditor's count (the quorum's reports are not in the evidence)"
                : "; signed reports of " + agreeing + " in the evidence hold that state"));
  }

  /** Other types: the named nodes signed the reports the alert is about. */
  private static ClaimCheck signedOnly(AuditAlert alert, List<ReportBatch> valid) {
    List<String> named = alert.getNodes();
    List<String> missing = new ArrayList<>();
    for (String node : named.isEmpty() ? List.<String>of() : named) {
      boolean found =
          valid.stream()
              .filter(b -> b.getNodeId().equals(node))
              .anyMatch(
                  b ->
                      alert.getEntityKey() == null
                          || b.getReports().stream().anyMatch(r -> about(r, alert)));
      if (!found) {
        missing.add(node);
      }
    }
    if (valid.isEmpty() || !missing.isEmpty()) {
      return new ClaimCheck(
          ClaimOutcome.NOT_SUPPORTED,
          "the verified evidence holds no signed report of "
              + (missing.isEmpty() ? "any node" : missing.toString())
              + (alert.getEntityKey() == null
                  ? ""
                  : " for "
                      + alert.getGroup()
                      + "/"
                      + alert.getEntityKey()
                      + (alert.getVersion() == null ? "" : " v" + alert.getVersion())));
    }
    return new ClaimCheck(
        ClaimOutcome.SIGNED_ONLY,
        "the named nodes signed the reports the alert cites; the rest of a "
            + alert.getType()
            + " finding (the other side of the comparison) is not in the evidence and rests on"
            + " the auditor's record");
  }

  private static boolean about(StateChange r, AuditAlert alert) {
    return r.getGroup().equals(alert.getGroup())
        && r.getEntityKey().equals(alert.getEntityKey())
        && (alert.getVersion() == null || Objects.equals(r.getVersion(), alert.getVersion()));
  }

  /** A report's claim: everything it says about the version (state, base, operation). */
  private static String claimOf(StateChange r) {
    return Hashing.hex(r.getStateHash())
        + "/"
        + Hashing.hex(r.getPrevStateHash())
        + "/"
        + r.getOpId().length()
        + ":"
        + r.getOpId()
        + "/"
        + Hashing.hex(r.getOpDigest());
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static String span(NodeHistory.KeySpan key) {
    String from =
        key.from() == Long.MIN_VALUE
            ? "its registration"
            : Instant.ofEpochMilli(key.from()).toString();
    String until =
        key.until() == Long.MAX_VALUE ? "now" : Instant.ofEpochMilli(key.until()).toString();
    return "(valid from " + from + " to " + until + ")";
  }

  private static String where(Evidence e) {
    return e.getTopic() + "[" + e.getPartition() + "]@" + e.getOffset();
  }

  private static String shortHash(String hex) {
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }

  private static Checked undecided(int index, Evidence e, String reason, Instant brokerTime) {
    return new Checked(check(index, e, Verdict.UNDECIDED, reason, brokerTime, List.of()), null);
  }

  private static Checked invalid(
      int index, Evidence e, String reason, Instant brokerTime, List<Report> reports) {
    return new Checked(check(index, e, Verdict.INVALID, reason, brokerTime, reports), null);
  }

  private static Checked valid(
      int index,
      Evidence e,
      String reason,
      Instant brokerTime,
      List<Report> reports,
      ReportBatch batch) {
    return new Checked(check(index, e, Verdict.VALID, reason, brokerTime, reports), batch);
  }

  private static EvidenceCheck check(
      int index,
      Evidence e,
      Verdict verdict,
      String reason,
      Instant brokerTime,
      List<Report> reports) {
    return new EvidenceCheck(
        index,
        e.getTopic(),
        e.getPartition(),
        e.getOffset(),
        e.getNodeId(),
        e.getKeyId(),
        e.getBatchSeq(),
        verdict,
        reason,
        e.getSignatureValid(),
        brokerTime,
        reports);
  }

  private static List<Report> reports(ReportBatch batch) {
    List<Report> out = new ArrayList<>();
    for (StateChange s : batch.getReports()) {
      out.add(
          new Report(
              s.getGroup(),
              s.getEntityKey(),
              s.getVersion(),
              s.getNodeId(),
              s.getOpId(),
              Hashing.hex(s.getPrevStateHash()),
              Hashing.hex(s.getStateHash()),
              s.getEventTime()));
    }
    return List.copyOf(out);
  }
}
