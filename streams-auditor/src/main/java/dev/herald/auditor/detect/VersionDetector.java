package dev.herald.auditor.detect;

/**
 * One step of the close of a version (see {@link Reconciler#close}): looks at the voters the
 * earlier steps left unexplained, adds what it proves to the {@link Vote} and removes from it the
 * voters its findings explain, so no later step blames them again (one root cause, one alert).
 *
 * <p>Stateless and pure but for the vote it is handed: no Kafka, no clock, no store. It runs per
 * closing version on the hot path, so it records into the vote rather than returning a result.
 *
 * <pre>{@code
 * Vote vote = new Vote(state, slot, 7, members, quorum, now);
 * new ForkDetector().detect(vote);
 * vote.findings(); // the forks
 * vote.voters();   // the voters left for the next detector
 * }</pre>
 */
interface VersionDetector {
  void detect(Vote vote);
}
