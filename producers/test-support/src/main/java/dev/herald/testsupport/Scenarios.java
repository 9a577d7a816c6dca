package dev.herald.testsupport;

import dev.herald.producer.simulator.Scenario;
import java.time.Duration;

/**
 * The simulator scenarios the tests share: three groups of five replicas, every fault type once,
 * with windows short enough for a test. One shape, three speeds, by what runs the simulation:
 *
 * <ul>
 *   <li>{@link #fast}: on Kafka's MockProducer, a run with every fault takes a few seconds;
 *   <li>{@link #fastOnABroker}: on one real broker, whose deliveries take milliseconds;
 *   <li>{@link #fastWithAnAuditor}: on a real broker with a real auditor scoring it, whose report
 *       grace and silence threshold must outlast a loaded machine's stalls.
 * </ul>
 *
 * <pre>{@code
 * Scenario scenario = Scenarios.fast(42);
 * AuditPolicy policy = ScenarioPolicy.assumedBy(scenario, ScenarioPolicy.TESTS_IN_FLIGHT);
 * }</pre>
 */
public final class Scenarios {
  private Scenarios() {}

  /** At 2000 events/s on a MockProducer a run with every fault takes a few seconds. */
  public static Scenario fast(long seed) {
    return allFaults(seed, 40, 2000, ms(20), ms(250), 2000, 500, ms(100), ms(600), ms(500), ms(20));
  }

  /** At 1000 events/s on one real broker. */
  public static Scenario fastOnABroker(long seed) {
    return allFaults(
        seed, 50, 1000, ms(200), ms(1000), 1000, 1000, ms(600), ms(2000), ms(1000), ms(100));
  }

  /** At 500 events/s on a real broker, with windows a real auditor can score on a loaded box. */
  public static Scenario fastWithAnAuditor(long seed) {
    return allFaults(
        seed, 50, 500, ms(5000), ms(10_000), 1000, 1000, ms(8000), ms(20_000), ms(1000), ms(200));
  }

  private static Scenario allFaults(
      long seed,
      int entities,
      double rate,
      Duration grace,
      Duration silenceThreshold,
      double rateBudget,
      double burst,
      Duration lagWindow,
      Duration silentWindow,
      Duration floodWindow,
      Duration spacing) {
    return Scenario.builder()
        .seed(seed)
        .groups(3)
        .replicas(5)
        .entities(entities)
        .rate(rate)
        .grace(grace)
        .silenceThreshold(silenceThreshold)
        .rateBudget(rateBudget)
        .burst(burst)
        .lagWindow(lagWindow)
        .silentWindow(silentWindow)
        .floodWindow(floodWindow)
        .spacing(spacing)
        .allFaults()
        .build();
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
