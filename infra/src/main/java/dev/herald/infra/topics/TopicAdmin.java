package dev.herald.infra.topics;

import dev.herald.schema.Topics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates and describes Herald's topics ({@link Topics}) on any Kafka cluster.
 *
 * <p>{@link #createProduction} makes the topics of a deployment; the simulator's ground truth is
 * made only by {@link #createSimulator} ({@code herald demo}, {@code herald simulate}) or {@link
 * #createAll} (test and benchmark environments).
 *
 * <pre>{@code
 * try (TopicAdmin admin = new TopicAdmin(clientProps)) {
 *   admin.createProduction((short) 3);
 *   admin.list().forEach(System.out::println);
 * }
 * }</pre>
 */
public final class TopicAdmin implements AutoCloseable {
  private final Admin admin;
  private final long timeoutMs;

  /** An admin over the given client properties ({@code bootstrap.servers} and security). */
  public TopicAdmin(Properties clientProps) {
    Properties props = new Properties();
    props.putAll(clientProps);
    props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
    props.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    this.timeoutMs =
        Long.parseLong(props.getProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG));
    this.admin = Admin.create(props);
  }

  /** What {@link #createAll} did for one topic. */
  public record Created(String name, boolean created) {}

  /** A Herald topic as it exists on the cluster. */
  public record Described(
      String name, int partitions, int replicationFactor, Map<String, String> configs) {}

  /**
   * Creates every production topic ({@link Topics#production()}) that does not exist yet, with the
   * configs of {@link Topics}. Existing topics are left as they are.
   */
  public List<Created> createProduction(short replicationFactor) {
    return create(Topics.production(), replicationFactor);
  }

  /** Creates the simulator's topics ({@link Topics#simulator()}) that do not exist yet. */
  public List<Created> createSimulator(short replicationFactor) {
    return create(Topics.simulator(), replicationFactor);
  }

  /**
   * Creates the production and the simulator's topics that do not exist yet: for demo, test and
   * benchmark environments that run the simulator.
   */
  public List<Created> createAll(short replicationFactor) {
    return create(Topics.all(), replicationFactor);
  }

  /**
   * The input topics ({@link Topics#INPUTS}) that exist with another {@code message.timestamp.type}
   * than {@code LogAppendTime}, with the type they have.
   */
  public Map<String, String> inputsNotOnBrokerTime() {
    try {
      Set<String> names = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
      List<ConfigResource> resources =
          Topics.INPUTS.stream()
              .filter(names::contains)
              .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
              .toList();
      Map<String, String> out = new TreeMap<>();
      admin
          .describeConfigs(resources)
          .all()
          .get(timeoutMs, TimeUnit.MILLISECONDS)
          .forEach(
              (resource, config) -> {
                ConfigEntry type = config.get(Topics.TIMESTAMP_TYPE);
                String value = type == null ? "CreateTime" : type.value();
                if (!Topics.LOG_APPEND_TIME.equals(value)) {
                  out.put(resource.name(), value);
                }
              });
      return out;
    } catch (ExecutionException e) {
      throw new TopicAdminException("cannot describe the input topics' configs", e.getCause());
    } catch (TimeoutException e) {
      throw new TopicAdminException("timed out describing the input topics' configs", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TopicAdminException("interrupted", e);
    }
  }

  /**
   * Creates the given topics that do not exist yet; a {@code replicationFactor} of 0 or less takes
   * the broker's {@code default.replication.factor}.
   */
  public List<Created> create(Collection<Topics.Spec> specs, short replicationFactor) {
    List<NewTopic> topics = new ArrayList<>();
    for (Topics.Spec spec : specs) {
      Optional<Short> rf =
          replicationFactor > 0 ? Optional.of(replicationFactor) : Optional.empty();
      topics.add(
          new NewTopic(spec.name(), Optional.of(spec.partitions()), rf).configs(spec.configs()));
    }
    CreateTopicsResult result = admin.createTopics(topics);
    List<Created> out = new ArrayList<>();
    for (NewTopic topic : topics) {
      try {
        result.values().get(topic.name()).get(timeoutMs, TimeUnit.MILLISECONDS);
        out.add(new Created(topic.name(), true));
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TopicExistsException) {
          out.add(new Created(topic.name(), false));
        } else {
          throw new TopicAdminException("cannot create topic " + topic.name(), e.getCause());
        }
      } catch (TimeoutException e) {
        throw new TopicAdminException("timed out creating topic " + topic.name(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TopicAdminException("interrupted", e);
      }
    }
    return out;
  }

  /** Herald's topics that exist on the cluster, with partitions, replication and configs. */
  public List<Described> list() {
    try {
      Set<String> names = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
      List<String> herald =
          Topics.all().stream().map(Topics.Spec::name).filter(names::contains).toList();
      Map<String, TopicDescription> descriptions =
          admin.describeTopics(herald).allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS);
      List<ConfigResource> resources =
          herald.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      Map<ConfigResource, Config> configs =
          admin.describeConfigs(resources).all().get(timeoutMs, TimeUnit.MILLISECONDS);
      List<Described> out = new ArrayList<>();
      for (String name : herald) {
        TopicDescription d = descriptions.get(name);
        Map<String, String> shown = new TreeMap<>();
        for (ConfigEntry entry :
            configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name)).entries()) {
          if (entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
            shown.put(entry.name(), entry.value());
          }
        }
        out.add(
            new Described(
                name, d.partitions().size(), d.partitions().get(0).replicas().size(), shown));
      }
      return out;
    } catch (ExecutionException e) {
      throw new TopicAdminException("cannot list topics", e.getCause());
    } catch (TimeoutException e) {
      throw new TopicAdminException("timed out listing topics", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TopicAdminException("interrupted", e);
    }
  }

  @Override
  public void close() {
    admin.close();
  }

  /** A topic operation failed; the message names the topic and the cause. */
  public static final class TopicAdminException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TopicAdminException(String message, Throwable cause) {
      super(
          message + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()),
          cause);
    }
  }
}
