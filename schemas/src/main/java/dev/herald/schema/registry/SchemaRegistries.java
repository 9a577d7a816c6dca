package dev.herald.schema.registry;

import java.util.Map;

/**
 * Opens a {@link SchemaRegistryClient} from a URL, the way {@code --schema-registry-url} is given.
 *
 * <pre>{@code
 * SchemaRegistryClient registry =
 *     SchemaRegistries.connect("http://localhost:8081", Map.of("basic.auth.user.info", "u:p"));
 * SchemaRegistryClient forTests = SchemaRegistries.connect("memory:", Map.of());
 * }</pre>
 */
public final class SchemaRegistries {
  /** The URL that selects a registry held in this JVM only. */
  public static final String IN_MEMORY = "memory:";

  private SchemaRegistries() {}

  /**
   * A client for {@code url}: {@code http(s)://...} for any Confluent-compatible registry (for
   * Apicurio, {@code .../apis/ccompat/v7}), or {@value #IN_MEMORY} for one in this JVM.
   *
   * @param url the registry URL
   * @param clientProps client properties, see {@link RestSchemaRegistryClient}
   * @throws IllegalArgumentException when {@code url} is neither, with a hint
   */
  public static SchemaRegistryClient connect(String url, Map<String, String> clientProps) {
    if (IN_MEMORY.equals(url)) {
      return new InMemorySchemaRegistryClient();
    }
    if (url != null && (url.startsWith("http://") || url.startsWith("https://"))) {
      return new RestSchemaRegistryClient(url, clientProps);
    }
    throw new IllegalArgumentException(
        "schema registry URL '"
            + url
            + "' is not supported; use http(s)://host:port of a Confluent-compatible registry"
            + " (start one with 'herald registry') or '"
            + IN_MEMORY
            + "'");
  }
}
