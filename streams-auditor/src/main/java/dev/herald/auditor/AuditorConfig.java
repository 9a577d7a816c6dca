package dev.herald.auditor;

import dev.herald.auditor.ledger.AuditorIdentity;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.auditor.policy.PolicyHolder;
import dev.herald.schema.registry.SchemaRegistryClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;

/**
 * Everything the auditor needs to run, validated when built.
 *
 * <pre>{@code
 * AuditorConfig config = AuditorConfig.builder()
 *     .bootstrapServers("localhost:9092")
 *     .policy(PolicyLoader.load(Path.of("policy.yaml")))
 *     .schemaRegistry(registryClient)
 *     .build();
 * }</pre>
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param applicationId Kafka Streams application id; instances with the same id share the work
 * @param stateDir where the local state stores live
 * @param policy audit policy
 * @param schemaRegistry schema registry client (injected)
 * @param meters where counters go
 * @param clientProperties extra Kafka client properties (TLS, SASL, tuning), applied last
 * @param stateChangePartitions partitions of {@code herald.state-changes.v1}; 0 = look it up
 * @param policies the policy in force, reloadable while the auditor runs ({@code herald auditor}
 *     reloads it on a file change or SIGHUP); starts as {@code policy}. The stream processors read
 *     it as records and checks come, so a reload applies without a restart
 * @param auditorIdentity the auditor's id and key, which sign every alert and tree head
 *     (docs/security.md); null = a fresh unregistered key ({@link AuditorIdentity#ephemeral()})
 */
public record AuditorConfig(
    String bootstrapServers,
    String applicationId,
    Path stateDir,
    AuditPolicy policy,
    SchemaRegistryClient schemaRegistry,
    MeterRegistry meters,
    Properties clientProperties,
    int stateChangePartitions,
    PolicyHolder policies,
    AuditorIdentity auditorIdentity) {

  public static final String DEFAULT_APPLICATION_ID = "herald-auditor";

  public AuditorConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrapServers is required, e.g. localhost:9092");
    }
    if (applicationId == null || !applicationId.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException(
          "applicationId '" + applicationId + "' may only use letters, digits, '.', '_' and '-'");
    }
    Objects.requireNonNull(schemaRegistry, "schemaRegistry is required");
    if (policy == null) {
      policy = policies != null ? policies.get() : AuditPolicy.DEFAULT;
    }
    policies = policies == null ? new PolicyHolder(policy) : policies;
    meters = meters == null ? new SimpleMeterRegistry() : meters;
    clientProperties = clientProperties == null ? new Properties() : clientProperties;
    if (stateChangePartitions < 0) {
      throw new IllegalArgumentException("stateChangePartitions must be >= 0");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder with the documented defaults. */
  public static final class Builder {
    private String bootstrapServers;
    private String applicationId = DEFAULT_APPLICATION_ID;
    private Path stateDir;
    private AuditPolicy policy;
    private SchemaRegistryClient schemaRegistry;
    private MeterRegistry meters;
    private Properties clientProperties = new Properties();
    private int stateChangePartitions;
    private PolicyHolder policies;
    private AuditorIdentity auditorIdentity;

    /** The auditor's id and signing key (default: a fresh unregistered key). */
    public Builder auditorIdentity(AuditorIdentity v) {
      auditorIdentity = v;
      return this;
    }

    /** A reloadable policy; {@link #policy} defaults to its current one. */
    public Builder policies(PolicyHolder v) {
      policies = v;
      return this;
    }

    public Builder bootstrapServers(String v) {
      bootstrapServers = v;
      return this;
    }

    public Builder applicationId(String v) {
      applicationId = v;
      return this;
    }

    public Builder stateDir(Path v) {
      stateDir = v;
      return this;
    }

    public Builder policy(AuditPolicy v) {
      policy = v;
      return this;
    }

    public Builder schemaRegistry(SchemaRegistryClient v) {
      schemaRegistry = v;
      return this;
    }

    public Builder meters(MeterRegistry v) {
      meters = v;
      return this;
    }

    public Builder clientProperties(Properties v) {
      clientProperties = v;
      return this;
    }

    public Builder stateChangePartitions(int v) {
      stateChangePartitions = v;
      return this;
    }

    public AuditorConfig build() {
      return new AuditorConfig(
          bootstrapServers,
          applicationId,
          stateDir,
          policy,
          schemaRegistry,
          meters,
          clientProperties,
          stateChangePartitions,
          policies,
          auditorIdentity);
    }
  }
}
