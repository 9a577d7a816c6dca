package dev.herald.it.support;

import static org.awaitility.Awaitility.await;

import dev.herald.auditor.AuditorConfig;
import dev.herald.auditor.HeraldAuditor;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.schema.registry.RestSchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;
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
    return config(
        bootstrap,
        applicationId,
        stateDir,
        policy,
        new RestSchemaRegistryClient(registryUrl, Map.of()));
  }

  /**
   * Likewise, with a registry client of the test's own (one that lags or fails, or over a secured
   * connection). Add the rest on the builder: {@code .clientProperties(...)} for a secured broker
   * or other client settings, {@code .auditorIdentity(...)} for a signing auditor, {@code
   * .meters(...)}.
   */
  public static AuditorConfig.Builder config(
      String bootstrap,
      String applicationId,
      Path stateDir,
      AuditPolicy policy,
      SchemaRegistryClient schemas) {
    return AuditorConfig.builder()
        .bootstrapServers(bootstrap)
        .applicationId(applicationId)
        .stateDir(stateDir)
        .policy(policy)
        .schemaRegistry(schemas);
  }

  /** Starts the auditor and waits until it runs, at most {@link #START_TIMEOUT}. */
  public static HeraldAuditor start(AuditorConfig.Builder config) {
    return start(config, START_TIMEOUT);
  }

  /** Starts the auditor and waits until it runs, at most {@code atMost}. */
  public static HeraldAuditor start(AuditorConfig.Builder config, Duration atMost) {
    HeraldAuditor auditor = HeraldAuditor.start(config.build());
    try {
      awaitRunning(atMost, auditor);
      return auditor;
    } catch (RuntimeException | Error e) {
      auditor.close();
      throw e;
    }
  }

  /**
   * Waits until every one of {@code auditors} (started, restarted or started without waiting) runs,
   * at most {@code atMost} for them all; fails the test otherwise.
   */
  public static void awaitRunning(Duration atMost, HeraldAuditor... auditors) {
    await()
        .atMost(atMost)
        .until(
            () -> {
              for (HeraldAuditor a : auditors) {
                if (!a.awaitRunning(Duration.ofMillis(100))) {
                  return false;
                }
              }
              return true;
            });
  }
}
