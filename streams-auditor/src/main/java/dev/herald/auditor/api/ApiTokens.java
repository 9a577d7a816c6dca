package dev.herald.auditor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's bearer tokens, read from a YAML file that holds only their SHA-256 digests (a leaked
 * file grants nothing):
 *
 * <pre>{@code
 * tokens:
 *   - name: grafana          # who; shown in logs and used for per-client stream limits
 *     role: viewer           # viewer | operator
 *     sha256: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8
 * }</pre>
 *
 * A token is any string of at least 16 characters (e.g. {@code openssl rand -hex 32}); its digest
 * is {@code printf %s "$TOKEN" | sha256sum}.
 *
 * <pre>{@code
 * ApiTokens tokens = ApiTokens.load(Path.of("api-tokens.yaml"));
 * Optional<ApiTokens.Principal> who = tokens.authenticate("the token");
 * }</pre>
 */
public final class ApiTokens {
  private static final Logger LOG = LoggerFactory.getLogger(ApiTokens.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** What a caller may do. */
  public enum Role {
    /** Alerts without evidence bytes, nodes, groups, entities without hashes, metrics. */
    VIEWER,
    /** Everything a viewer may, plus evidence, full entity state and acknowledging alerts. */
    OPERATOR;

    /** Whether this role includes everything {@code other} may do. */
    public boolean covers(Role other) {
      return ordinal() >= other.ordinal();
    }
  }

  /** An authenticated caller. */
  public record Principal(String name, Role role) {
    /** The caller when the API runs without authentication (loopback only, no token file). */
    public static final Principal LOCAL = new Principal("local", Role.OPERATOR);
  }

  private record Entry(String name, Role role, byte[] digest) {}

  private final List<Entry> entries;

  private ApiTokens(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** Loads and validates a token file; refuses a mistake naming the entry and the key. */
  public static ApiTokens load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read token file " + file + ": " + e);
    }
    warnIfReadableByOthers(file);
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** Parses the YAML text of a token file. */
  public static ApiTokens parse(String yaml) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid YAML: " + e.getMessage());
    }
    if (root == null || !root.isObject() || !root.path("tokens").isArray()) {
      throw new IllegalArgumentException(
          "expected a mapping with a list 'tokens' of {name, role, sha256}");
    }
    root.fieldNames()
        .forEachRemaining(
            k -> {
              if (!k.equals("tokens")) {
                throw new IllegalArgumentException(k + ": unknown key; allowed: tokens");
              }
            });
    List<Entry> entries = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> digests = new HashSet<>();
    int i = 0;
    for (JsonNode n : root.get("tokens")) {
      String path = "tokens[" + i++ + "]";
      if (!n.isObject()) {
        throw new IllegalArgumentException(path + ": must be a mapping {name, role, sha256}");
      }
      n.fieldNames()
          .forEachRemaining(
              k -> {
                if (!Set.of("name", "role", "sha256").contains(k)) {
                  throw new IllegalArgumentException(
                      path + "." + k + ": unknown key; allowed: name, role, sha256");
                }
              });
      String name = n.path("name").asText("");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            path + ".name: '" + name + "' must match " + NAME.pattern());
      }
      if (!names.add(name)) {
        throw new IllegalArgumentException(path + ".name: '" + name + "' is used twice");
      }
      String roleText = n.path("role").asText("");
      Role role;
      try {
        role = Role.valueOf(roleText.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            path + ".role: '" + roleText + "' is not one of viewer, operator");
      }
      String digest = n.path("sha256").asText("").toLowerCase(Locale.ROOT);
      if (!SHA256.matcher(digest).matches()) {
        throw new IllegalArgumentException(
            path
                + ".sha256: must be the 64 hex digits of the token's SHA-256"
                + " (printf %s \"$TOKEN\" | sha256sum), not the token itself");
      }
      if (!digests.add(digest)) {
        throw new IllegalArgumentException(path + ".sha256: the same token is listed twice");
      }
      entries.add(new Entry(name, role, HexFormat.of().parseHex(digest)));
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("'tokens' is empty: nobody could use the API");
    }
    return new ApiTokens(entries);
  }

  /** The caller presenting {@code token}, if it is listed (constant-time comparison). */
  public Optional<Principal> authenticate(String token) {
    if (token == null || token.length() < 16) {
      return Optional.empty();
    }
    byte[] digest = sha256(token);
    Principal found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.digest, digest)) {
        found = new Principal(e.name, e.role);
      }
    }
    return Optional.ofNullable(found);
  }

  /** How many tokens the file lists. */
  public int size() {
    return entries.size();
  }

  /** The hex SHA-256 of a token, as the token file wants it. */
  public static String digestHex(String token) {
    return HexFormat.of().formatHex(sha256(token));
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void warnIfReadableByOthers(Path file) {
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
      if (p.contains(PosixFilePermission.OTHERS_WRITE)
          || p.contains(PosixFilePermission.GROUP_WRITE)) {
        LOG.warn(
            "token file is writable by others file={}: anyone who can write it can grant"
                + " themselves operator; chmod 600 it",
            file);
      }
    } catch (UnsupportedOperationException | IOException e) {
      // not a POSIX file system
    }
  }
}
