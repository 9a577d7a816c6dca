package dev.herald.infra.security;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;

/**
 * The security material of a secured embedded broker, kept in {@code <data-dir>/security/}: a
 * PKCS12 keystore and truststore (a self-signed CA whose private key is discarded after signing the
 * broker certificate), one generated SCRAM-SHA-512 password per {@link HeraldPrincipal} in an
 * owner-only file, and a ready-to-use Kafka client properties file per principal, {@code
 * <user>.properties}, for {@code --command-config}.
 *
 * <p>Created on first use, read back afterwards, so a restart keeps its users and certificates.
 *
 * <pre>{@code
 * BrokerSecurity security = BrokerSecurity.prepare(dataDir.resolve("security"), "localhost");
 * Properties reporter = security.clientProperties(HeraldPrincipal.REPORTER);
 * reporter.put("bootstrap.servers", bootstrap);
 * }</pre>
 */
public final class BrokerSecurity {
  /** The SASL mechanism of every principal. */
  public static final String MECHANISM = "SCRAM-SHA-512";

  /** Name of the client listener (and its security protocol). */
  public static final String CLIENT_LISTENER = "SASL_SSL";

  private static final String KEYSTORE = "broker.keystore.p12";
  private static final String TRUSTSTORE = "truststore.p12";
  private static final String KEYSTORE_PASSWORD = "broker.keystore.password";
  private static final String TRUSTSTORE_PASSWORD = "truststore.password";
  private static final String ACLS_MARKER = "acls.created";

  private final Path dir;
  private final Map<HeraldPrincipal, String> passwords;
  private final String keystorePassword;
  private final String truststorePassword;

  private BrokerSecurity(
      Path dir,
      Map<HeraldPrincipal, String> passwords,
      String keystorePassword,
      String truststorePassword) {
    this.dir = dir;
    this.passwords = passwords;
    this.keystorePassword = keystorePassword;
    this.truststorePassword = truststorePassword;
  }

  /** Whether the directory already holds Herald's security material. */
  public static boolean exists(Path securityDir) {
    return Files.exists(securityDir.resolve(KEYSTORE))
        && Files.exists(securityDir.resolve(passwordFileName(HeraldPrincipal.ADMIN)));
  }

  /**
   * Reads the security material in {@code securityDir}, generating it first if it is not there.
   *
   * @param advertisedHost host name clients connect to; goes into the broker certificate
   */
  public static BrokerSecurity prepare(Path securityDir, String advertisedHost) {
    Path dir = securityDir.toAbsolutePath();
    try {
      if (!exists(dir)) {
        generate(dir, advertisedHost);
      }
      Map<HeraldPrincipal, String> passwords = new EnumMap<>(HeraldPrincipal.class);
      for (HeraldPrincipal p : HeraldPrincipal.values()) {
        passwords.put(p, SecretFiles.read(dir.resolve(passwordFileName(p))));
      }
      BrokerSecurity security =
          new BrokerSecurity(
              dir,
              passwords,
              SecretFiles.read(dir.resolve(KEYSTORE_PASSWORD)),
              SecretFiles.read(dir.resolve(TRUSTSTORE_PASSWORD)));
      security.writeClientPropertiesFiles();
      return security;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot prepare the security directory " + dir + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate TLS material: " + e.getMessage(), e);
    }
  }

  private static void generate(Path dir, String host) throws IOException, GeneralSecurityException {
    Files.createDirectories(dir);
    SecureRandom random = new SecureRandom();
    String ksPassword = SecretFiles.newSecret(random, 32);
    String tsPassword = SecretFiles.newSecret(random, 32);
    new SelfSignedTls(random)
        .write(
            SelfSignedTls.hostNames(host),
            dir.resolve(KEYSTORE),
            ksPassword.toCharArray(),
            dir.resolve(TRUSTSTORE),
            tsPassword.toCharArray());
    SecretFiles.write(dir.resolve(KEYSTORE_PASSWORD), ksPassword + "\n");
    SecretFiles.write(dir.resolve(TRUSTSTORE_PASSWORD), tsPassword + "\n");
    // The admin password last: its file marks the material as complete (see exists()).
    for (HeraldPrincipal p : HeraldPrincipal.values()) {
      if (p != HeraldPrincipal.ADMIN) {
        SecretFiles.write(
            dir.resolve(passwordFileName(p)), SecretFiles.newSecret(random, 32) + "\n");
      }
    }
    SecretFiles.write(
        dir.resolve(passwordFileName(HeraldPrincipal.ADMIN)),
        SecretFiles.newSecret(random, 32) + "\n");
  }

  /** The directory that holds the material. */
  public Path directory() {
    return dir;
  }

  /** The truststore (PKCS12) that holds the self-signed CA certificate. */
  public Path truststore() {
    return dir.resolve(TRUSTSTORE);
  }

  /** The ready-to-use client properties file of a principal (for {@code --command-config}). */
  public Path clientPropertiesFile(HeraldPrincipal principal) {
    return dir.resolve(principal.userName() + ".properties");
  }

  /** The principal's generated SCRAM password. */
  public String password(HeraldPrincipal principal) {
    return passwords.get(principal);
  }

  /**
   * Kafka client properties of a principal: SASL_SSL, SCRAM-SHA-512 and the truststore; add {@code
   * bootstrap.servers}.
   */
  public Properties clientProperties(HeraldPrincipal principal) {
    return clientProperties(principal.userName(), password(principal));
  }

  /** Client properties for any user name and password (e.g. to prove a wrong one is refused). */
  public Properties clientProperties(String user, String password) {
    Properties p = new Properties();
    p.put("security.protocol", CLIENT_LISTENER);
    p.put("sasl.mechanism", MECHANISM);
    p.put("sasl.jaas.config", jaas(user, password));
    p.put("ssl.truststore.type", "PKCS12");
    p.put("ssl.truststore.location", truststore().toString());
    p.put("ssl.truststore.password", truststorePassword);
    return p;
  }

  /**
   * The {@code --add-scram} arguments of {@code kafka-storage format} that create every principal
   * with its password.
   */
  public List<String> scramFormatArguments() {
    List<String> args = new ArrayList<>();
    for (HeraldPrincipal p : HeraldPrincipal.values()) {
      args.add(MECHANISM + "=[name=" + p.userName() + ",password=" + password(p) + "]");
    }
    return args;
  }

  /**
   * Broker configuration of the secured listeners: clients on SASL_SSL (SCRAM-SHA-512 over TLS),
   * the controller on mutual TLS (only a certificate of this CA gets in), the {@code
   * StandardAuthorizer} with {@code admin} and the broker certificate as super users.
   */
  public Map<String, String> brokerConfig(String host, int port, int controllerPort) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put(
        "listeners",
        CLIENT_LISTENER
            + "://"
            + host
            + ":"
            + port
            + ",CONTROLLER://"
            + host
            + ":"
            + controllerPort);
    c.put("advertised.listeners", CLIENT_LISTENER + "://" + host + ":" + port);
    c.put("listener.security.protocol.map", CLIENT_LISTENER + ":SASL_SSL,CONTROLLER:SSL");
    c.put("inter.broker.listener.name", CLIENT_LISTENER);
    c.put("sasl.enabled.mechanisms", MECHANISM);
    c.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
    c.put(
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
        jaas(HeraldPrincipal.ADMIN.userName(), password(HeraldPrincipal.ADMIN)));
    c.put("ssl.keystore.type", "PKCS12");
    c.put("ssl.keystore.location", dir.resolve(KEYSTORE).toString());
    c.put("ssl.keystore.password", keystorePassword);
    c.put("ssl.key.password", keystorePassword);
    c.put("ssl.truststore.type", "PKCS12");
    c.put("ssl.truststore.location", truststore().toString());
    c.put("ssl.truststore.password", truststorePassword);
    c.put("listener.name.controller.ssl.client.auth", "required");
    c.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    c.put(
        "super.users",
        HeraldPrincipal.ADMIN.kafkaPrincipal() + ";User:" + SelfSignedTls.BROKER_SUBJECT);
    c.put("allow.everyone.if.no.acl.found", "false");
    return c;
  }

  /**
   * Creates Herald's ACLs ({@link HeraldAcls}) once: a marker file records that they exist, so an
   * operator's later changes are not undone at the next start.
   *
   * @return whether ACLs were created now
   */
  public boolean createAclsOnce(Admin admin, String auditorApplicationId) {
    Path marker = dir.resolve(ACLS_MARKER);
    if (Files.exists(marker)) {
      return false;
    }
    try {
      admin.createAcls(HeraldAcls.bindings(auditorApplicationId)).all().get(30, TimeUnit.SECONDS);
      Files.writeString(marker, "auditor.application.id=" + auditorApplicationId + "\n");
      return true;
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create Herald's ACLs: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating Herald's ACLs", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Loads a client properties file (as {@code --command-config} does). */
  public static Properties load(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    return p;
  }

  private void writeClientPropertiesFiles() throws IOException {
    for (HeraldPrincipal p : HeraldPrincipal.values()) {
      Path file = clientPropertiesFile(p);
      if (Files.exists(file)) {
        continue;
      }
      StringBuilder sb = new StringBuilder();
      sb.append("# Kafka client properties of Herald principal '")
          .append(p.userName())
          .append("'. Use: herald <command> --command-config ")
          .append(file)
          .append('\n');
      Properties props = clientProperties(p);
      for (String key :
          List.of(
              "security.protocol",
              "sasl.mechanism",
              "sasl.jaas.config",
              "ssl.truststore.type",
              "ssl.truststore.location",
              "ssl.truststore.password")) {
        sb.append(key).append('=').append(escape(props.getProperty(key))).append('\n');
      }
      SecretFiles.write(file, sb.toString());
    }
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\");
  }

  private static String passwordFileName(HeraldPrincipal p) {
    return p.userName() + ".password";
  }

  private static String jaas(String user, String password) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + user
        + "\" password=\""
        + password
        + "\";";
  }
}
