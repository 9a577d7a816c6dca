package dev.herald.schema.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SchemaRegistryClient} that remembers what the registry told it, so that a process that
 * restarts while the registry is down still reads and writes the records it knew: ids are
 * immutable, so an answer once given stays true.
 *
 * <ul>
 *   <li>Every schema learned by id, and every id learned by registering, is kept in memory and —
 *       when a file is given — in that file (rewritten atomically on each new entry; at most
 *       {@value #MAX_REMEMBERED} schemas, oldest dropped first). The file belongs to one registry:
 *       a file written for another registry URL is ignored.
 *   <li>{@link #getById} answers remembered ids without a call.
 *   <li>{@link #register} asks the registry; when it cannot be reached, the id remembered for the
 *       same schema text answers (an id names one schema everywhere, whatever the subject).
 *   <li>{@link #status()} says whether the registry answered its last call; after a failure, calls
 *       fail at once for {@code quietPeriod} (default 1 s) instead of waiting for a timeout each.
 *   <li>{@link #close()} makes every call that would need the registry fail at once (with {@link
 *       SchemaRegistryException#CLOSED}), so a thread waiting for the registry can stop; it does
 *       not close the wrapped client, which its owner closes.
 * </ul>
 *
 * <pre>{@code
 * SchemaRegistryClient registry = new RememberingSchemaRegistryClient(
 *     new RestSchemaRegistryClient(url, Map.of()), stateDir.resolve("herald-schemas.json"), url);
 * }</pre>
 */
public final class RememberingSchemaRegistryClient implements SchemaRegistryClient {
  private static final Logger LOG = LoggerFactory.getLogger(RememberingSchemaRegistryClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FILE_FORMAT = 1;

  /** Most schemas remembered (and written to the file). */
  public static final int MAX_REMEMBERED = 1_000;

  /** Whether the registry answered the last call, and since when. */
  public record Status(boolean reachable, Instant since, String lastError, int remembered) {}

  private final SchemaRegistryClient delegate;
  private final Path file;
  private final String registryName;
  private final Clock clock;
  private final Duration quietPeriod;
  private final Map<Integer, Schema> schemasById = new LinkedHashMap<>();
  private final Map<String, Integer> idsBySubjectAndSchema = new LinkedHashMap<>();
  private boolean reachable = true;
  private Instant since;
  private String lastError = "";
  private Instant failedAt = Instant.MIN;
  private volatile boolean closed;

  /**
   * @param delegate the client that talks to the registry
   * @param file where to keep what was learned across restarts, or null for memory only
   * @param registryName the registry's identity (its URL): a file written for another is ignored
   */
  public RememberingSchemaRegistryClient(
      SchemaRegistryClient delegate, Path file, String registryName) {
    this(delegate, file, registryName, Clock.systemUTC(), Duration.ofSeconds(1));
  }

  /** As above, with the clock and the quiet period after a failure. */
  public RememberingSchemaRegistryClient(
      SchemaRegistryClient delegate,
      Path file,
      String registryName,
      Clock clock,
      Duration quietPeriod) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.file = file;
    this.registryName = registryName == null ? "" : registryName;
    this.clock = clock;
    this.quietPeriod = quietPeriod;
    this.since = clock.instant();
    load();
  }

  /** Whether the registry answered the last call made to it. */
  public synchronized Status status() {
    return new Status(reachable, since, lastError, schemasById.size());
  }

  /**
   * While the registry is marked unreachable, asks it once (a cheap subjects listing) whether it is
   * back, so the status recovers even when every schema is remembered and nothing else calls it.
   * Returns the status after asking; never throws.
   */
  public Status probe() {
    boolean down;
    synchronized (this) {
      down = !reachable;
    }
    if (down && !closed) {
      try {
        call(delegate::subjects);
      } catch (RuntimeException e) {
        LOG.debug("schema registry probe failed: {}", e.toString());
      }
    }
    return status();
  }

  @Override
  public int register(String subject, Schema schema) {
    String text = schema.toString();
    try {
      int id = call(() -> delegate.register(subject, schema));
      remember(id, schema, subject);
      return id;
    } catch (SchemaRegistryException e) {
      if (answered(e)) {
        throw e;
      }
      Integer known = rememberedId(subject, text);
      if (known == null) {
        throw e;
      }
      LOG.debug("registry unreachable; using remembered id {} for {}", known, subject);
      return known;
    }
  }

  @Override
  public Schema getById(int id) {
    synchronized (this) {
      Schema known = schemasById.get(id);
      if (known != null) {
        return known;
      }
    }
    Schema schema = call(() -> delegate.getById(id));
    remember(id, schema, null);
    return schema;
  }

  @Override
  public RegisteredSchema getLatest(String subject) {
    return call(() -> delegate.getLatest(subject));
  }

  @Override
  public boolean testCompatibility(String subject, Schema schema) {
    return call(() -> delegate.testCompatibility(subject, schema));
  }

  @Override
  public List<String> subjects() {
    return call(delegate::subjects);
  }

  @Override
  public String getCompatibility(String subject) {
    return call(() -> delegate.getCompatibility(subject));
  }

  @Override
  public void setCompatibility(String subject, String level) {
    call(
        () -> {
          delegate.setCompatibility(subject, level);
          return null;
        });
  }

  /**
   * Stops calling the registry (calls that need it fail with {@link
   * SchemaRegistryException#CLOSED}).
   */
  @Override
  public void close() {
    closed = true;
  }

  /** Whether the exception is an answer of the registry (it was reached and refused). */
  public static boolean answered(SchemaRegistryException e) {
    int status = e.httpStatus();
    return status >= 400
        && status < 500
        && status != 401
        && status != 403
        && status != 408
        && status != 429;
  }

  private <V> V call(Supplier<V> request) {
    if (closed) {
      throw new SchemaRegistryException(
          "the schema registry client is closed (the process is stopping)",
          SchemaRegistryException.CLOSED);
    }
    synchronized (this) {
      Instant now = clock.instant();
      if (!reachable && now.isBefore(failedAt.plus(quietPeriod))) {
        throw new SchemaRegistryException(
            "schema registry unreachable since " + since + " (not asked again yet): " + lastError,
            SchemaRegistryException.UNREACHABLE);
      }
    }
    try {
      V answer = request.get();
      observe(null);
      return answer;
    } catch (SchemaRegistryException e) {
      observe(answered(e) ? null : e);
      throw e;
    }
  }

  private synchronized void observe(SchemaRegistryException failure) {
    Instant now = clock.instant();
    if (failure == null) {
      if (!reachable) {
        LOG.info("schema registry {} reachable again (unreachable since {})", registryName, since);
        reachable = true;
        since = now;
      }
      return;
    }
    failedAt = now;
    lastError = failure.getMessage() == null ? failure.toString() : failure.getMessage();
    if (reachable) {
      LOG.warn("schema registry {} unreachable: {}", registryName, lastError);
      reachable = false;
      since = now;
    }
  }

  private synchronized Integer rememberedId(String subject, String schemaText) {
    Integer id = idsBySubjectAndSchema.get(subject + '\u0000' + schemaText);
    if (id != null) {
      return id;
    }
    for (Map.Entry<Integer, Schema> e : schemasById.entrySet()) {
      if (e.getValue().toString().equals(schemaText)) {
        return e.getKey();
      }
    }
    return null;
  }

  private void remember(int id, Schema schema, String subject) {
    boolean changed;
    synchronized (this) {
      changed = schemasById.putIfAbsent(id, schema) == null;
      if (subject != null) {
        changed |=
            !Objects.equals(
                idsBySubjectAndSchema.put(subject + '\u0000' + schema.toString(), id), id);
      }
      if (!changed) {
        return;
      }
      trim();
    }
    save();
  }

  private void trim() {
    Iterator<Integer> oldest = schemasById.keySet().iterator();
    while (schemasById.size() > MAX_REMEMBERED && oldest.hasNext()) {
      Integer id = oldest.next();
      oldest.remove();
      idsBySubjectAndSchema.values().removeIf(id::equals);
    }
  }

  private void load() {
    if (file == null || !Files.exists(file)) {
      return;
    }
    try {
      JsonNode root = JSON.readTree(file.toFile());
      if (root.path("format").asInt() != FILE_FORMAT
          || !registryName.equals(root.path("registry").asText())) {
        LOG.info(
            "ignoring {}: written for registry '{}', not '{}'",
            file,
            root.path("registry").asText(),
            registryName);
        return;
      }
      for (JsonNode n : root.path("schemas")) {
        schemasById.put(n.path("id").asInt(), new Schema.Parser().parse(n.path("schema").asText()));
      }
      for (JsonNode n : root.path("registered")) {
        int id = n.path("id").asInt();
        Schema schema = schemasById.get(id);
        if (schema != null) {
          idsBySubjectAndSchema.put(n.path("subject").asText() + '\u0000' + schema, id);
        }
      }
      trim();
      LOG.info(
          "remembered {} schemas of registry {} from {}", schemasById.size(), registryName, file);
    } catch (IOException | SchemaParseException | IllegalArgumentException e) {
      LOG.warn(
          "ignoring unreadable {} ({}); schemas are learned again from the registry",
          file,
          e.toString());
      schemasById.clear();
      idsBySubjectAndSchema.clear();
    }
  }

  private synchronized void save() {
    if (file == null) {
      return;
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FILE_FORMAT).put("registry", registryName);
    ArrayNode schemas = root.putArray("schemas");
    schemasById.forEach(
        (id, schema) -> schemas.addObject().put("id", id).put("schema", schema.toString()));
    ArrayNode registered = root.putArray("registered");
    idsBySubjectAndSchema.forEach(
        (key, id) ->
            registered
                .addObject()
                .put("subject", key.substring(0, key.indexOf('\u0000')))
                .put("id", id));
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      JSON.writeValue(tmp.toFile(), root);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      LOG.warn("cannot write {} ({}); learned schemas stay in memory only", file, e.toString());
    }
  }
}
