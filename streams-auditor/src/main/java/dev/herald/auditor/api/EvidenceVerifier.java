package dev.herald.auditor.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.Evidence;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Re-checks an alert's signed evidence offline: decodes each evidence record (a {@link ReportBatch}
 * in the Confluent wire format), looks up the key registered for its node and key id, and verifies
 * the Ed25519 signature. Used by {@code GET /api/alerts/{id}/evidence}, the dashboard and {@code
 * herald verify}.
 *
 * <pre>{@code
 * EvidenceVerifier verifier = new EvidenceVerifier(new AvroWireFormat<>(ReportBatch.class, registry), nodeView);
 * EvidenceVerifier.AlertVerdict v = verifier.verify(alert);
 * v.checks().forEach(c -> System.out.println(c.verdict() + " " + c.reason()));
 * }</pre>
 */
public final class EvidenceVerifier {

  /** VALID: the signature verifies against the registered key; INVALID otherwise. */
  public enum Verdict {
    VALID,
    INVALID
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
   * @param verdict whether the signature verifies against the registered key
   * @param reason why, in one sentence
   * @param auditorSaidValid what the auditor recorded when it raised the alert
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
      List<Report> reports) {
    /** Whether this check agrees with what the auditor recorded. */
    @JsonProperty("confirmsAuditor")
    public boolean confirmsAuditor() {
      return (verdict == Verdict.VALID) == auditorSaidValid;
    }
  }

  /**
   * All checks of one alert. {@code confirmed} when there is evidence and every check agrees with
   * the auditor's recorded verdict (e.g. both batches of an equivocation are validly signed, the
   * batch of a forged report is not).
   */
  public record AlertVerdict(String alertId, String type, List<EvidenceCheck> checks) {
    @JsonProperty("confirmed")
    public boolean confirmed() {
      return !checks.isEmpty() && checks.stream().allMatch(EvidenceCheck::confirmsAuditor);
    }
  }

  /** Fetches an evidence record that the alert carries only by coordinates and hash. */
  @FunctionalInterface
  public interface RecordFetcher {
    /** The value at the evidence's topic, partition and offset, if it is still there. */
    Optional<byte[]> fetch(Evidence evidence);
  }

  private final AvroWireFormat<ReportBatch> batches;
  private final KeyDirectory keys;
  private RecordFetcher fetcher = e -> Optional.empty();

  public EvidenceVerifier(AvroWireFormat<ReportBatch> batches, KeyDirectory keys) {
    this.batches = batches;
    this.keys = keys;
  }

  /** Checks every evidence record of {@code alert}. */
  public AlertVerdict verify(AuditAlert alert) {
    List<EvidenceCheck> checks = new ArrayList<>();
    List<Evidence> evidence = alert.getEvidence();
    for (int i = 0; i < evidence.size(); i++) {
      checks.add(verify(i, evidence.get(i)));
    }
    return new AlertVerdict(alert.getAlertId(), alert.getType().name(), List.copyOf(checks));
  }

  /**
   * Fetches evidence records that alerts carry only by coordinates (over the alert's evidence
   * budget) with {@code fetcher}; their SHA-256 must match what the auditor recorded.
   */
  public EvidenceVerifier withFetcher(RecordFetcher fetcher) {
    this.fetcher = fetcher;
    return this;
  }

  /** Checks one evidence record. */
  public EvidenceCheck verify(int index, Evidence e) {
    byte[] record = NodeView.bytes(e.getRecord());
    byte[] recorded = e.getSha256() == null ? new byte[0] : NodeView.bytes(e.getSha256());
    if (record.length == 0) {
      Optional<byte[]> fetched = fetcher.fetch(e);
      if (fetched.isEmpty()) {
        return check(
            index,
            e,
            Verdict.INVALID,
            "the alert carries this record by coordinates only (over its evidence budget) and it"
                + " could not be fetched from "
                + e.getTopic()
                + "["
                + e.getPartition()
                + "]@"
                + e.getOffset()
                + "; run herald verify with access to that topic",
            List.of());
      }
      record = fetched.get();
    }
    if (recorded.length > 0 && !java.util.Arrays.equals(recorded, Hashing.sha256(record))) {
      return check(
          index,
          e,
          Verdict.INVALID,
          "the record's SHA-256 is not the one the auditor recorded: it is not the evidence",
          List.of());
    }
    ReportBatch batch;
    try {
      batch = batches.deserialize(e.getTopic(), record);
    } catch (MalformedRecordException m) {
      return check(
          index,
          e,
          Verdict.INVALID,
          "cannot decode the record (" + m.reason() + "): " + m.getMessage(),
          List.of());
    }
    List<Report> reports = reports(batch);
    if (!batch.getNodeId().equals(e.getNodeId())) {
      return check(
          index,
          e,
          Verdict.INVALID,
          "the batch is of node '"
              + batch.getNodeId()
              + "', the evidence names '"
              + e.getNodeId()
              + "'",
          reports);
    }
    Optional<byte[]> key = keys.publicKey(batch.getNodeId(), batch.getKeyId());
    if (key.isEmpty()) {
      return check(
          index,
          e,
          Verdict.INVALID,
          "no key with id "
              + batch.getKeyId()
              + " is registered for node '"
              + batch.getNodeId()
              + "'",
          reports);
    }
    boolean ok;
    try {
      ok = BatchSignatures.verify(batch, Ed25519.publicKey(key.get()));
    } catch (IllegalArgumentException bad) {
      return check(
          index,
          e,
          Verdict.INVALID,
          "the registered key is unusable: " + bad.getMessage(),
          reports);
    }
    return ok
        ? check(
            index,
            e,
            Verdict.VALID,
            "signature verifies against key "
                + batch.getKeyId()
                + " registered for node '"
                + batch.getNodeId()
                + "'",
            reports)
        : check(
            index,
            e,
            Verdict.INVALID,
            "signature does not verify against key "
                + batch.getKeyId()
                + " registered for node '"
                + batch.getNodeId()
                + "'",
            reports);
  }

  private static EvidenceCheck check(
      int index, Evidence e, Verdict verdict, String reason, List<Report> reports) {
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
