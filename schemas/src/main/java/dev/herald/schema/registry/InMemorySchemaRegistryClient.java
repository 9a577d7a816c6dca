package dev.herald.schema.registry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A registry held in this JVM only: for unit tests ({@code TopologyTestDriver}) and tools that need
 * no shared ids. Same semantics as a Confluent registry: ids are global and deduplicated on {@link
 * Schema#toString()}, compatibility defaults to BACKWARD.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {
  private final Map<String, Integer> idsBySchema = new HashMap<>();
  private final Map<Integer, Schema> schemasById = new HashMap<>();
  private final Map<String, List<Integer>> versionsBySubject = new LinkedHashMap<>();
  private final Map<String, String> levels = new HashMap<>();
  private String globalLevel = "BACKWARD";

  @Override
  public synchronized int register(String subject, Schema schema) {
    List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
    Integer id = idsBySchema.get(schema.toString());
    if (id != null && versions.contains(id)) {
      return id;
    }
    if (!compatible(subject, schema)) {
      throw new SchemaRegistryException(
          409, SchemaRegistryException.INCOMPATIBLE, "Schema being registered is incompatible");
    }
    if (id == null) {
      id = schemasById.size() + 1;
      idsBySchema.put(schema.toString(), id);
      schemasById.put(id, schema);
    }
    versions.add(id);
    return id;
  }

  @Override
  public synchronized Schema getById(int id) {
    Schema schema = schemasById.get(id);
    if (schema == null) {
      throw new SchemaRegistryException(
          404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
    }
    return schema;
  }

  @Override
  public synchronized RegisteredSchema getLatest(String subject) {
    List<Integer> versions = versionsBySubject.get(subject);
    if (versions == null || versions.isEmpty()) {
      throw new SchemaRegistryException(
          404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }
    int id = versions.get(versions.size() - 1);
    return new RegisteredSchema(subject, versions.size(), id, schemasById.get(id));
  }

  @Override
  public synchronized boolean testCompatibility(String subject, Schema schema) {
    return compatible(subject, schema);
  }

  @Override
  public synchronized List<String> subjects() {
    return List.copyOf(versionsBySubject.keySet());
  }

  @Override
  public synchronized String getCompatibility(String subject) {
    return subject == null ? globalLevel : levels.getOrDefault(subject, globalLevel);
  }

  @Override
  public synchronized void setCompatibility(String subject, String level) {
    CompatibilityLevel.parse(level);
    if (subject == null) {
      globalLevel = level;
    } else {
      levels.put(subject, level);
    }
  }

  private boolean compatible(String subject, Schema candidate) {
    List<Integer> versions = versionsBySubject.getOrDefault(subject, List.of());
    List<Schema> existing = versions.stream().map(schemasById::get).toList();
    return CompatibilityLevel.parse(getCompatibility(subject)).isCompatible(candidate, existing);
  }

  /** Compatibility levels of the Confluent API, checked with Avro's {@link SchemaCompatibility}. */
  public enum CompatibilityLevel {
    NONE,
    BACKWARD,
    BACKWARD_TRANSITIVE,
    FORWARD,
    FORWARD_TRANSITIVE,
    FULL,
    FULL_TRANSITIVE;

    /** Parses a level name, or throws a {@link SchemaRegistryException} naming the allowed ones. */
    public static CompatibilityLevel parse(String level) {
      try {
        return valueOf(level);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new SchemaRegistryException(
            422,
            SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL,
            "Invalid compatibility level '" + level + "'; use one of " + Arrays.toString(values()));
      }
    }

    /** Whether {@code candidate} may follow {@code existing} (oldest first) under this level. */
    public boolean isCompatible(Schema candidate, List<Schema> existing) {
      if (this == NONE || existing.isEmpty()) {
        return true;
      }
      List<Schema> against =
          name().endsWith("_TRANSITIVE") ? existing : List.of(existing.get(existing.size() - 1));
      for (Schema old : against) {
        boolean backward = readable(candidate, old);
        boolean forward = readable(old, candidate);
        boolean ok =
            switch (this) {
              case BACKWARD, BACKWARD_TRANSITIVE -> backward;
              case FORWARD, FORWARD_TRANSITIVE -> forward;
              case FULL, FULL_TRANSITIVE -> backward && forward;
              case NONE -> true;
            };
        if (!ok) {
          return false;
        }
      }
      return true;
    }

    private static boolean readable(Schema reader, Schema writer) {
      return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
          == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
    }
  }
}
