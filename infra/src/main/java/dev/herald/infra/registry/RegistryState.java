package dev.herald.infra.registry;

import dev.herald.schema.registry.InMemorySchemaRegistryClient.CompatibilityLevel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.Schema;

/**
 * The registry's state, rebuilt by applying the records of the schema log in order.
 *
 * <p>{@link #apply} is deterministic: every instance that reads the same log ends in the same
 * state, whatever it wrote itself. A schema claim is accepted only if it is the next version of its
 * subject, its schema is not already a version of that subject, and its id is either the id the
 * same schema text already has or an id no other schema text has. Every other claim is a lost race
 * and is ignored by every instance alike; its writer sees that and retries.
 */
final class RegistryState {
  /** The default compatibility level, as in Confluent Schema Registry. */
  static final String DEFAULT_LEVEL = CompatibilityLevel.BACKWARD.name();

  private final Map<Integer, Schema> schemasById = new HashMap<>();
  private final Map<String, Integer> idsBySchemaText = new HashMap<>();
  private final Map<String, List<Integer>> versionsBySubject = new TreeMap<>();
  private final Map<String, String> levels = new HashMap<>();
  private final Set<String> acceptedClaims = new HashSet<>();
  private String globalLevel;
  private int maxId;

  /** A schema claim as written to the log. */
  record Claim(String claimId, String subject, int version, int id, String schemaText) {}

  /** A schema as registered under a subject. */
  record Version(String subject, int version, int id, Schema schema) {}

  /** Applies one schema claim; returns whether it was accepted. */
  synchronized boolean applyClaim(Claim claim, Schema schema) {
    List<Integer> versions = versionsBySubject.getOrDefault(claim.subject(), List.of());
    Integer existingId = idsBySchemaText.get(claim.schemaText());
    boolean nextVersion = claim.version() == versions.size() + 1;
    boolean idFits =
        existingId != null
            ? existingId == claim.id()
            : claim.id() > 0 && !schemasById.containsKey(claim.id());
    boolean newToSubject = existingId == null || !versions.contains(existingId);
    if (!(nextVersion && idFits && newToSubject)) {
      return false;
    }
    if (existingId == null) {
      schemasById.put(claim.id(), schema);
      idsBySchemaText.put(claim.schemaText(), claim.id());
      maxId = Math.max(maxId, claim.id());
    }
    versionsBySubject.computeIfAbsent(claim.subject(), s -> new ArrayList<>()).add(claim.id());
    acceptedClaims.add(claim.claimId());
    return true;
  }

  /** Applies a compatibility level change; {@code subject} null is the global level. */
  synchronized void applyConfig(String subject, String level) {
    if (subject == null) {
      globalLevel = level;
    } else if (level == null) {
      levels.remove(subject);
    } else {
      levels.put(subject, level);
    }
  }

  synchronized boolean accepted(String claimId) {
    return acceptedClaims.contains(claimId);
  }

  synchronized Optional<Schema> schema(int id) {
    return Optional.ofNullable(schemasById.get(id));
  }

  synchronized Optional<Integer> idOf(String schemaText) {
    return Optional.ofNullable(idsBySchemaText.get(schemaText));
  }

  /** The id a new schema text would get. */
  synchronized int nextId() {
    return maxId + 1;
  }

  synchronized List<String> subjects() {
    return List.copyOf(versionsBySubject.keySet());
  }

  /** The versions of a subject, oldest first, or empty when the subject does not exist. */
  synchronized List<Version> versions(String subject) {
    List<Integer> ids = versionsBySubject.getOrDefault(subject, List.of());
    List<Version> out = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      out.add(new Version(subject, i + 1, ids.get(i), schemasById.get(ids.get(i))));
    }
    return out;
  }

  /** The subjects and versions under which schema {@code id} is registered. */
  synchronized List<Version> usages(int id) {
    List<Version> out = new ArrayList<>();
    versionsBySubject.forEach(
        (subject, ids) -> {
          for (int i = 0; i < ids.size(); i++) {
            if (ids.get(i) == id) {
              out.add(new Version(subject, i + 1, id, schemasById.get(id)));
            }
          }
        });
    return out;
  }

  synchronized String globalLevel() {
    return globalLevel == null ? DEFAULT_LEVEL : globalLevel;
  }

  synchronized Optional<String> subjectLevel(String subject) {
    return Optional.ofNullable(levels.get(subject));
  }

  synchronized String effectiveLevel(String subject) {
    return levels.getOrDefault(subject, globalLevel());
  }
}
