package dev.herald.infra.nodes;

import dev.herald.schema.registry.InMemorySchemaRegistryClient;
import dev.herald.schema.registry.SchemaRegistryClient;

/**
 * Opens the schema registry a command was pointed at with {@code --schema-registry-url}.
 *
 * <p>Until the REST client lands in {@code schemas}, only {@code memory:} (a registry in this JVM)
 * is supported; the commands refuse http URLs with a clear message instead of writing records whose
 * schema ids nobody else can resolve.
 */
public final class Registries {
  /** The URL of a registry held in this JVM only. */
  public static final String IN_MEMORY = "memory:";

  private static final SchemaRegistryClient JVM_REGISTRY = new InMemorySchemaRegistryClient();

  private Registries() {}

  /** A client for {@code url}; {@link IllegalArgumentException} naming what is supported. */
  public static SchemaRegistryClient connect(String url) {
    if (IN_MEMORY.equals(url)) {
      return JVM_REGISTRY; // one per JVM, so commands run in one process share schema ids
    }
    throw new IllegalArgumentException(
        "schema registry URL '"
            + url
            + "' is not supported by this build; use '"
            + IN_MEMORY
            + "'");
  }
}
