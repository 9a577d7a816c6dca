package dev.herald.auditor.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.herald.schema.config.ConfigProblem;
import dev.herald.schema.config.ConfigReader;
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
  private static final ObjectMapper YAML = ConfigReader.strict(YAMLMapper.builder()).build();
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
    try {
      TokensFile f = ConfigReader.read(YAML, yaml, TokensFile.class);
      if (f == null || f.tokens() == null) {
        throw new ConfigProblem(
            "tokens", null, "is required: a list of {name, role, sha256} (docs/api.md)");
      }
      return new ApiTokens(entries(f.tokens()));
    } catch (ConfigProblem p) {
      throw new IllegalArgumentException(ConfigReader.locate(YAML, yaml, p).getMessage());
    }
  }

  /** The file as written: one key, {@code tokens}. */
  record TokensFile(List<TokenEntry> tokens) {}

  /** One entry as written; its own keys are checked here, the rules between entries below. */
  record TokenEntry(
      String name, @JsonDeserialize(using = RoleValue.class) Role role, String sha256) {
    TokenEntry {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new ConfigProblem(
            "name", name, name == null ? "is required" : "must match " + NAME.pattern());
      }
      if (role == null) {
        throw new ConfigProblem("role", null, "is required: viewer or operator");
      }
      sha256 = sha256 == null ? "" : sha256.toLowerCase(Locale.ROOT);
      if (!SHA256.matcher(sha256).matches()) {
        throw new ConfigProblem(
            "sha256",
            null,
            "must be the 64 hex digits of the token's SHA-256"
                + " (printf %s \"$TOKEN\" | sha256sum), not the token itself");
      }
    }
  }

  private static List<Entry> entries(List<TokenEntry> tokens) {
    List<Entry> entries = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> digests = new HashSet<>();
    for (int i = 0; i < tokens.size(); i++) {
      TokenEntry t = tokens.get(i);
      String path = "tokens[" + i + "]";
      if (t == null) {
        throw new ConfigProblem(path, null, "must be a mapping {name, role, sha256}");
      }
      if (!names.add(t.name())) {
        throw new ConfigProblem(path + ".name", t.name(), "is used twice");
      }
      if (!digests.add(t.sha256())) {
        throw new ConfigProblem(path + ".sha256", null, "lists the same token a second time");
      }
      entries.add(new Entry(t.name(), t.role(), HexFormat.of().parseHex(t.sha256())));
    }
    if (entries.isEmpty()) {
      throw new ConfigProblem("tokens", null, "is empty: nobody could use the API");
    }
    return entries;
  }

  /** {@code viewer} or {@code operator}, in any case. */
  static final class RoleValue extends ConfigReader.AnyCaseEnum<Role> {
    RoleValue() {
      super(Role.class);
    }
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
