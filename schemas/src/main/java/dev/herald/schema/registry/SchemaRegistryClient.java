package dev.herald.schema.registry;

import java.util.List;
import org.apache.avro.Schema;

/**
 * The subset of the Confluent Schema Registry REST API that Herald uses.
 *
 * <p>Implementations must not care whose registry they talk to: Confluent, Karapace, Redpanda,
 * Apicurio (ccompat) or Herald's embedded registry.
 */
public interface SchemaRegistryClient extends AutoCloseable {

  /** Registers {@code schema} under {@code subject} (idempotent) and returns its global id. */
  int register(String subject, Schema schema);

  /** The schema with this global id; cached, since ids are immutable. */
  Schema getById(int id);

  /** The latest registered version of a subject. */
  RegisteredSchema getLatest(String subject);

  /** Whether {@code schema} is compatible with the subject's versions under its level. */
  boolean testCompatibility(String subject, Schema schema);

  /** All subjects. */
  List<String> subjects();

  /** Compatibility level of a subject, or the global one when {@code subject} is null. */
  String getCompatibility(String subject);

  /** Sets the compatibility level of a subject, or the global one when {@code subject} is null. */
  void setCompatibility(String subject, String level);

  @Override
  default void close() {}

  /** A schema as registered: its subject, version and global id. */
  record RegisteredSchema(String subject, int version, int id, Schema schema) {}
}
