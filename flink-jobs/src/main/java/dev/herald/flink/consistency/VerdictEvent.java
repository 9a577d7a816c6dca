package dev.herald.flink.consistency;

import dev.herald.flink.io.Rejection;

/**
 * One auditor verdict as the consistency job needs it, or the record that could not be decoded
 * ({@code rejected} set, everything else empty). Bad input is a value, never an exception.
 *
 * @param group replication group
 * @param outcome the verdict's outcome name, e.g. {@code AGREED}
 * @param msToAgreement time from the first report to agreement by every member, null unless AGREED
 * @param closedAt auditor time of the close: the event time
 * @param withinMs M of the group's policy at the close, null if the verdict does not carry it
 * @param target SLO target of the group's policy at the close, null if the verdict does not carry
 *     it
 * @param rejected an undecodable record, for the dead-letter topic
 */
public record VerdictEvent(
    String group,
    String outcome,
    Long msToAgreement,
    long closedAt,
    Long withinMs,
    Double target,
    Rejection rejected) {

  /** Whether every member agreed within {@code withinMs} of the first report. */
  public boolean agreedWithin(long withinMs) {
    return "AGREED".equals(outcome) && msToAgreement != null && msToAgreement <= withinMs;
  }

  /**
   * Event time: the close; {@code Long.MIN_VALUE} for rejected records (never moves watermarks).
   */
  public long eventTime() {
    return rejected == null ? closedAt : Long.MIN_VALUE;
  }
}
