package dev.herald.it.adversarial;

import dev.herald.schema.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;

/**
 * The real registry client, as seen from another host: every request it sends waits a network round
 * trip (schemas by id are cached, as {@code RestSchemaRegistryClient} caches them). The embedded
 * registry answers in the same JVM in microseconds, which hides what an uncached lookup per record
 * costs against a registry across a network.
 */
final class RemoteRegistry implements SchemaRegistryClient {
  private final SchemaRegistryClient client;
  private final Duration roundTrip;
  private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();

  private RemoteRegistry(SchemaRegistryClient client, Duration roundTrip) {
    this.client = client;
    this.roundTrip = roundTrip;
  }

  static SchemaRegistryClient over(SchemaRegistryClient client, Duration roundTrip) {
    return roundTrip.isZero() ? client : new RemoteRegistry(client, roundTrip);
  }

  private void travel() {
    try {
      TimeUnit.NANOSECONDS.sleep(roundTrip.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public int register(String subject, Schema schema) {
    travel();
    return client.register(subject, schema);
  }

  /** The client caches schemas by id (ids are immutable): only what it does not have travels. */
  @Override
  public Schema getById(int id) {
    Schema known = byId.get(id);
    if (known != null) {
      return known;
    }
    travel();
    Schema schema = client.getById(id);
    byId.put(id, schema);
    return schema;
  }

  @Override
  public RegisteredSchema getLatest(String subject) {
    travel();
    return client.getLatest(subject);
  }

  @Override
  public boolean testCompatibility(String subject, Schema schema) {
    travel();
    return client.testCompatibility(subject, schema);
  }

  @Override
  public List<String> subjects() {
    travel();
    return client.subjects();
  }

  @Override
  public String getCompatibility(String subject) {
    travel();
    return client.getCompatibility(subject);
  }

  @Override
  public void setCompatibility(String subject, String level) {
    travel();
    client.setCompatibility(subject, level);
  }

  @Override
  public void close() {
    client.close();
  }
}
