package dev.herald.auditor.topology;

import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/** A registry that fails the next {@code n} lookups by id as unreachable, then answers again. */
final class OutageRegistry implements SchemaRegistryClient {
  private final SchemaRegistryClient registry;
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();

  OutageRegistry(SchemaRegistryClient registry) {
    this.registry = registry;
  }

  /** The next {@code n} lookups by id fail as if the registry were down. */
  void failNext(int n) {
    failuresLeft.set(n);
  }

  /** Lookups that failed so far. */
  int failed() {
    return failed.get();
  }

  @Override
  public Schema getById(int id) {
    if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      failed.incrementAndGet();
      throw new SchemaRegistryException(
          "cannot reach the schema registry (test outage)", SchemaRegistryException.UNREACHABLE);
    }
    return registry.getById(id);
  }

  @Override
  public int register(String subject, Schema schema) {
    return registry.register(subject, schema);
  }

  @Override
  public RegisteredSchema getLatest(String subject) {
    return registry.getLatest(subject);
  }

  @Override
  public boolean testCompatibility(String subject, Schema schema) {
    return registry.testCompatibility(subject, schema);
  }

  @Override
  public List<String> subjects() {
    return registry.subjects();
  }

  @Override
  public String getCompatibility(String subject) {
    return registry.getCompatibility(subject);
  }

  @Override
  public void setCompatibility(String subject, String level) {
    registry.setCompatibility(subject, level);
  }
}
