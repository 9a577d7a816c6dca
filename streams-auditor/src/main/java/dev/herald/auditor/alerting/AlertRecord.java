package dev.herald.auditor.alerting;

import dev.herald.auditor.detect.EvidenceRef;
import dev.herald.schema.AlertStatus;
import dev.herald.schema.AlertType;
import dev.herald.schema.Severity;
import java.util.ArrayList;
import java.util.List;

/**
 * The lifecycle state of one alert identity in the {@code herald-alert-book} store: its current
 * alert id and status and, for episodes, the counts and times its lifecycle is decided on. Stored
 * in Avro ({@code StoreSerdes.alertRecords()}).
 */
public final class AlertRecord {
  public String identityKey;
  public String alertId;
  public AlertType type;
  public Severity severity;
  public AlertStatus status;
  public String group;
  public String entityKey;
  public Long version;
  public List<String> nodes = new ArrayList<>();
  public String majorityHash;
  public String detail;
  public List<EvidenceRef> evidence = new ArrayList<>();
  public long firstEventTime;
  public long detectedAt;
  public Long resolvedAt;

  /** Episode number of this identity (1 for the first). */
  public int episode = 1;

  /** Occurrences in the current episode. */
  public long count;

  /** Missed versions not yet caught up (REPLICA_LAG). */
  public long outstanding;

  public String firstOccurrence;
  public String lastOccurrence;

  /**
   * Detection time (report time of the finding) of the latest occurrence. Episode boundaries are
   * decided on these times only — a new occurrence more than the type's quiet period after the last
   * one starts a new episode — so a replay numbers episodes, and so alert ids, the same way.
   */
  public long lastOccurrenceAt;

  /** Wall time the latest occurrence was processed (when a quiet episode is resolved). */
  public long lastSeenWall;

  /** Wall time this record was last published (UPDATEs are published at most once an interval). */
  public long lastPublishedWall;

  /** An occurrence arrived since the last publication and waits for the next UPDATED. */
  public boolean pendingUpdate;

  /** RESOLVED because the episode went quiet (an occurrence within the quiet period reopens it). */
  public boolean resolvedByQuiet;

  public AlertRecord() {}
}
