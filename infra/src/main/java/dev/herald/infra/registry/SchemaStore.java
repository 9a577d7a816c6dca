package dev.herald.infra.registry;

import dev.herald.schema.registry.InMemorySchemaRegistryClient.CompatibilityLevel;
import dev.herald.schema.registry.SchemaRegistryException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's operations, with Confluent's answers and error codes, on top of the {@link
 * SchemaLog}.
 *
 * <p><b>Two instances writing at once.</b> There is no leader. A writer catches up with the log,
 * decides the version and id it would give (the schema text's existing id, or the largest id plus
 * one), writes that as a claim and reads the log up to its own record. Every instance applies the
 * claims in log order with the same rule ({@link RegistryState#applyClaim}), so when two writers
 * claim the same version or the same new id, the one written first wins everywhere, and the loser
 * sees its claim ignored and tries again on the state it has now read. Ids are therefore identical
 * on every instance. Within one instance writes are serialized. What this does not give: the
 * compatibility check is made by the writer against the state it read, so two incompatible schemas
 * registered under one subject by two instances in the same instant could both be accepted.
 */
final class SchemaStore {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaStore.class);
  private static final int MAX_CLAIM_ATTEMPTS = 10;

  static final int SUBJECT_LEVEL_NOT_CONFIGURED = 40408;
  static final int INVALID_VERSION = 42202;

  private final RegistryState state;
  private final SchemaLog log;
  private final Object writeLock = new Object();

  SchemaStore(RegistryState state, SchemaLog log) {
    this.state = state;
    this.log = log;
  }

  /** A schema as a request gives it: its text and the schemas it references by name. */
  record Request(String schema, List<Reference> references) {}

  /**
   * A Confluent schema reference: the full Avro {@code name} the schema uses, defined by the schema
   * registered as {@code version} ({@code latest} or {@code -1} allowed) of {@code subject}.
   */
  record Reference(String name, String subject, String version) {}

  /**
   * Registers a schema under a subject (idempotent) and returns its id. A schema with references is
   * stored resolved (self-contained, as {@code Schema.toString()} writes it), so any client reads
   * it by id without resolving anything, and it has the id of the same schema registered
   * self-contained.
   */
  int register(String subject, Request request) {
    Schema schema = resolve(request);
    String text = schema.toString();
    synchronized (writeLock) {
      for (int attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
        log.sync();
        Optional<Integer> existing = state.idOf(text);
        List<RegistryState.Version> versions = state.versions(subject);
        if (existing.isPresent() && versions.stream().anyMatch(v -> v.id() == existing.get())) {
          return existing.get();
        }
        CompatibilityLevel level = CompatibilityLevel.parse(state.effectiveLevel(subject));
        if (!level.isCompatible(
            schema, versions.stream().map(RegistryState.Version::schema).toList())) {
          throw new SchemaRegistryException(
              409,
              SchemaRegistryException.INCOMPATIBLE,
              "Schema being registered is incompatible with an earlier schema for subject '"
                  + subject
                  + "' under compatibility level "
                  + level);
        }
        int id = existing.orElseGet(state::nextId);
        RegistryState.Claim claim =
            new RegistryState.Claim(
                UUID.randomUUID().toString(), subject, versions.size() + 1, id, text);
        log.appendClaim(claim);
        if (state.accepted(claim.claimId())) {
          LOG.info("registered schema subject={} version={} id={}", subject, claim.version(), id);
          return id;
        }
        LOG.info("lost a claim race, retrying subject={} attempt={}", subject, attempt);
      }
    }
    throw new SchemaRegistryException(
        500,
        SchemaRegistryException.STORE_ERROR,
        "could not register under '" + subject + "': other writers kept winning");
  }

  /** The version under {@code subject} that has this schema. */
  RegistryState.Version lookup(String subject, Request request) {
    String text = resolve(request).toString();
    List<RegistryState.Version> versions = existingVersions(subject);
    return versions.stream()
        .filter(v -> v.schema().toString().equals(text))
        .findFirst()
        .orElseThrow(
            () ->
                new SchemaRegistryException(
                    404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema not found"));
  }

  Schema schema(int id) {
    Optional<Schema> schema = state.schema(id);
    if (schema.isEmpty()) {
      // Another instance may have registered it a moment ago.
      log.sync();
      schema = state.schema(id);
    }
    return schema.orElseThrow(
        () ->
            new SchemaRegistryException(
                404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found"));
  }

  List<RegistryState.Version> usages(int id) {
    schema(id);
    return state.usages(id);
  }

  List<String> subjects() {
    log.sync();
    return state.subjects();
  }

  List<RegistryState.Version> existingVersions(String subject) {
    log.sync();
    List<RegistryState.Version> versions = state.versions(subject);
    if (versions.isEmpty()) {
      throw subjectNotFound(subject);
    }
    return versions;
  }

  /** A version by number, {@code latest} or {@code -1}. */
  RegistryState.Version version(String subject, String version) {
    int number = versionNumber(version);
    List<RegistryState.Version> versions = existingVersions(subject);
    if (number == -1) {
      return versions.get(versions.size() - 1);
    }
    if (number < 1 || number > versions.size()) {
      throw new SchemaRegistryException(
          404, SchemaRegistryException.VERSION_NOT_FOUND, "Version " + version + " not found.");
    }
    return versions.get(number - 1);
  }

  /** Whether the schema may be registered after {@code version} (all versions if transitive). */
  boolean isCompatible(String subject, String version, Request request) {
    Schema schema = resolve(request);
    int number = versionNumber(version);
    log.sync();
    List<RegistryState.Version> versions = state.versions(subject);
    CompatibilityLevel level = CompatibilityLevel.parse(state.effectiveLevel(subject));
    if (number == -1) {
      return level.isCompatible(
          schema, versions.stream().map(RegistryState.Version::schema).toList());
    }
    return level.isCompatible(schema, List.of(version(subject, version).schema()));
  }

  String globalLevel() {
    log.sync();
    return state.globalLevel();
  }

  String subjectLevel(String subject, boolean defaultToGlobal) {
    log.sync();
    Optional<String> level = state.subjectLevel(subject);
    if (level.isPresent()) {
      return level.get();
    }
    if (defaultToGlobal) {
      return state.globalLevel();
    }
    throw new SchemaRegistryException(
        404,
        SUBJECT_LEVEL_NOT_CONFIGURED,
        "Subject '" + subject + "' does not have subject-level compatibility configured");
  }

  /** Sets the level of a subject, or the global one when {@code subject} is null. */
  String setLevel(String subject, String level) {
    CompatibilityLevel parsed = CompatibilityLevel.parse(level);
    synchronized (writeLock) {
      log.appendConfig(subject, parsed.name());
    }
    LOG.info(
        "compatibility set subject={} level={}", subject == null ? "<global>" : subject, parsed);
    return parsed.name();
  }

  private static int versionNumber(String version) {
    if ("latest".equals(version)) {
      return -1;
    }
    try {
      int number = Integer.parseInt(version);
      if (number == -1 || number >= 1) {
        return number;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new SchemaRegistryException(
        422,
        INVALID_VERSION,
        "The specified version '"
            + version
            + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string"
            + " \"latest\"");
  }

  /** Parses a request's schema after the schemas it references, which must be registered. */
  Schema resolve(Request request) {
    if (request.schema() == null || request.schema().isBlank()) {
      throw new SchemaRegistryException(
          422, SchemaRegistryException.INVALID_SCHEMA, "Empty schema");
    }
    Schema.Parser parser = new Schema.Parser();
    for (Reference ref : request.references()) {
      RegistryState.Version referenced;
      try {
        referenced = version(ref.subject(), ref.version());
      } catch (SchemaRegistryException e) {
        throw new SchemaRegistryException(
            422,
            SchemaRegistryException.INVALID_SCHEMA,
            "Invalid schema: reference '"
                + ref.name()
                + "' names version "
                + ref.version()
                + " of subject '"
                + ref.subject()
                + "', which is not registered ("
                + e.getMessage()
                + "); register the referenced schema first");
      }
      // Stored schemas are self-contained; parsing one defines every name it holds (an identical
      // definition reached through two references is accepted by the parser).
      parse(parser, referenced.schema().toString());
      if (!parser.getTypes().containsKey(ref.name())) {
        throw new SchemaRegistryException(
            422,
            SchemaRegistryException.INVALID_SCHEMA,
            "Invalid schema: reference '"
                + ref.name()
                + "' is not a type defined by version "
                + referenced.version()
                + " of subject '"
                + ref.subject()
                + "' (which defines "
                + referenced.schema().getFullName()
                + "); a reference's name is the full Avro name");
      }
    }
    return parse(parser, request.schema());
  }

  private static Schema parse(Schema.Parser parser, String schemaText) {
    try {
      return parser.parse(schemaText);
    } catch (RuntimeException e) {
      throw new SchemaRegistryException(
          422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage());
    }
  }

  static SchemaRegistryException subjectNotFound(String subject) {
    return new SchemaRegistryException(
        404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
  }
}
