package dev.herald.infra.security;

import java.util.Locale;

/**
 * The SCRAM users of a secured Herald cluster and what each may do (see {@link HeraldAcls}).
 *
 * <pre>{@code
 * Properties reporterProps = security.clientProperties(HeraldPrincipal.REPORTER);
 * }</pre>
 */
public enum HeraldPrincipal {
  /** Super user: the broker's own inter-broker identity and cluster administration. */
  ADMIN,
  /** The auditor (and the Flink jobs): reads reports, writes alerts and the dead-letter topic. */
  AUDITOR,
  /** Operators: the node registry, the schema registry, reading alerts and reports. */
  OPERATOR,
  /** Replicas: write state changes and heartbeats, nothing else. */
  REPORTER;

  /** The SCRAM user name, e.g. {@code reporter}. */
  public String userName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The Kafka principal string, e.g. {@code User:reporter}. */
  public String kafkaPrincipal() {
    return "User:" + userName();
  }
}
