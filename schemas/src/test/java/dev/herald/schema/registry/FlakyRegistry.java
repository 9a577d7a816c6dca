package dev.herald.schema.registry;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/**
 * An in-memory registry that counts the calls made to it and can be switched off (every call then
 * fails as unreachable, as a stopped registry does).
 */
public final class FlakyRegistry implements SchemaRegistryClient {
  private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
  private final AtomicInteger calls = new AtomicInteger();
  private volatile boolean down;

  /** Every call from now on fails as unreachable ({@code true}) or is answered ({@code false}). */
  public void down(boolean down) {
    this.down = down;
  }

  /** Calls made so far, answered or not. */
  public int calls() {
    return calls.get();
  }

  private void call() {
    calls.incrementAndGet();
    if (down) {
      throw new SchemaRegistryException(
          "cannot reach the schema registry (test: switched off)",
          SchemaRegistryException.UNREACHABLE);
    }
  }

  @Override
  public int register(String subject, Schema schema) {
    call();
    return registry.register(subject, schema);
  }

  @Override
  public Schema getById(int id) {
    call();
    return registry.getById(id);
  }

  @Override
  public RegisteredSchema getLatest(String subject) {
    call();
    return registry.getLatest(subject);
  }

  @Override
  public boolean testCompatibility(String subject, Schema schema) {
    call();
    return registry.testCompatibility(subject, schema);
  }

  @Override
  public List<String> subjects() {
    call();
    return registry.subjects();
  }

  @Override
  public String getCompatibility(String subject) {
    call();
    return registry.getCompatibility(subject);
  }

  @Override
  public void setCompatibility(String subject, String level) {
    call();
    registry.setCompatibility(subject, level);
  }
}
