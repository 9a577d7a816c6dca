package dev.herald.it.support;

import static org.awaitility.Awaitility.await;

import dev.herald.auditor.AuditorConfig;
import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The one way the integration tests start a {@link HeraldAuditor} on a broker: the configuration
 * they share (broker, application id, state directory, policy, the schema registry at a URL) and a
 * start that returns only once the auditor runs, closing it when it does not.
 *
 * <pre>{@code
 * try (HeraldAuditor auditor =
 *     RunningAuditor.start(
 *         RunningAuditor.config(bootstrap, "herald-it-x", stateDir, policy, registry.url()))) {
 *   ...
 * }
 * }</pre>
 */
public final class RunningAuditor {
  /** How long an auditor may take to start on a loaded machine. */
  public static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private RunningAuditor() {}

  /** The configuration every audited test starts from; add client properties or meters to it. */
  public static AuditorConfig.Builder config(
      String bootstrap,
      String applicationId,
      Path stateDir,
      AuditPolicy policy,
      String registryUrl) {
    return AuditorConfig.builder()
        .bootstrapServers(bootstrap)
        .applicationId(applicationId)
        .stateDir(stateDir)
        .policy(policy)
        .schemaRegistry(new RestSchemaRegistryClient(registryUrl, Map.of()));
  }

  /** Starts the auditor and waits until it runs, at most {@link #START_TIMEOUT}. */
  public static HeraldAuditor start(AuditorConfig.Builder config) {
    return start(config, START_TIMEOUT);
  }

  /** Starts the auditor and waits until it runs, at most {@code atMost}. */
  public static HeraldAuditor start(AuditorConfig.Builder config, Duration atMost) {
    HeraldAuditor auditor = HeraldAuditor.start(config.build());
    try {
      await().atMost(atMost).until(() -> auditor.awaitRunning(Duration.ofMillis(100)));
      return auditor;
    } catch (RuntimeException | Error e) {
      auditor.close();
      throw e;
    }
  }
}
