package dev.herald.infra.nodes;

import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistries;
import dev.herald.schema.registry.SchemaRegistryClient;
import java.util.Map;

/**
 * Opens the schema registry a command was pointed at with {@code --schema-registry-url}: any
 * Confluent-compatible registry over http(s), or {@code memory:} — one registry per JVM, shared by
 * every command run in this process (tests run several commands in one JVM and need the same ids).
 */
public final class Registries {
  private static final SchemaRegistryClient JVM_REGISTRY = new InMemorySchemaRegistryClient();

  private Registries() {}

  /** A client for {@code url}; {@link IllegalArgumentException} naming what is supported. */
  public static SchemaRegistryClient connect(String url) {
    if (SchemaRegistries.IN_MEMORY.equals(url)) {
      return JVM_REGISTRY;
    }
    return SchemaRegistries.connect(url, Map.of());
  }
}
