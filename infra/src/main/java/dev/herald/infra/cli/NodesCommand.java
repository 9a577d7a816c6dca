package dev.herald.infra.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.herald.auditor.identity.IdentityLedger;
import dev.herald.auditor.identity.NodeHistory;
import dev.herald.auditor.identity.RegistryRules;
import dev.herald.infra.nodes.NodeDirectory;
import dev.herald.infra.nodes.Registries;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.id.Identifiers;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.signing.Ed25519;
import dev.herald.schema.signing.RotationSignatures;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code herald nodes keygen|register|list|history|revoke|rotate}: node identities in the
 * append-only topic {@code herald.nodes.v1}. Every command checks what the auditor would refuse
 * (ids off {@link Identifiers#RULE}, weak keys, a key of another node, a name confusable with a
 * registered one, a rotation not signed by the current key, a silent reactivation) and refuses it
 * with the reason and what to do instead.
 *
 * <pre>
 * herald nodes keygen --node-id payments-eu-1 --out payments-eu-1.pem
 * herald nodes register --node-id payments-eu-1 --key payments-eu-1.pem --group payments --region eu-west
 * herald nodes list -o json
 * herald nodes rotate --node-id payments-eu-1 --key payments-eu-1.pem --new-key payments-eu-1-2027.pem
 * herald nodes revoke --node-id payments-eu-1
 * herald nodes history --node-id payments-eu-1
 * </pre>
 */
@Command(
    name = "nodes",
    mixinStandardHelpOptions = true,
    description = "Generates node keys and registers, lists, rotates and revokes node identities.",
    subcommands = {
      NodesCommand.Keygen.class,
      NodesCommand.Register.class,
      NodesCommand.ListNodes.class,
      NodesCommand.History.class,
      NodesCommand.Revoke.class,
      NodesCommand.Rotate.class
    })
public final class NodesCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where the registry lives (Kafka and the schema registry). */
  static final class RegistryOptions {
    @Mixin ClientOptions client;

    @Option(
        names = "--schema-registry-url",
        paramLabel = "URL",
        defaultValue = "${env:HERALD_SCHEMA_REGISTRY_URL:-http://localhost:8081}",
        description =
            "Schema registry (default: ${DEFAULT-VALUE}; env HERALD_SCHEMA_REGISTRY_URL).")
    String schemaRegistryUrl;

    NodeDirectory open() {
      SchemaRegistryClient registry;
      try {
        registry = Registries.connect(schemaRegistryUrl);
      } catch (IllegalArgumentException e) {
        throw new CliException(
            e.getMessage(), "pass --schema-registry-url of the registry the auditor uses");
      }
      return new NodeDirectory(client.clientProperties(), registry);
    }
  }

  static Ed25519.KeyPair readKey(Path file, String option) {
    try {
      return Ed25519.readPem(file);
    } catch (IOException e) {
      throw new CliException(
          "cannot read " + option + " " + file + ": " + e.getMessage(),
          "create one with: herald nodes keygen --node-id ID --out " + file);
    } catch (IllegalArgumentException e) {
      throw new CliException(
          e.getMessage(),
          option + " must be a PKCS#8 PEM Ed25519 private key (herald nodes keygen)");
    }
  }

  /** {@code id} when it follows the id rule; else a usage error naming the offending character. */
  static String validId(Identifiers.Kind kind, String option, String id) {
    String problem = Identifiers.problem(kind, id);
    if (problem != null) {
      throw new CliException(
          option + ": " + problem,
          "use lower-case ASCII letters, digits, '.', '_' and '-', e.g. " + suggestion(id),
          HeraldCli.EXIT_USAGE,
          null);
    }
    return id;
  }

  private static String suggestion(String id) {
    String s =
        id == null
            ? ""
            : IdentityLedger.fold(id).replaceAll("[^a-z0-9._-]", "-").replaceAll("^[._-]+", "");
    s = s.length() > Identifiers.MAX_LENGTH ? s.substring(0, Identifiers.MAX_LENGTH) : s;
    return s.isEmpty() || !Identifiers.valid(s) ? "payments-eu-1" : "'" + s + "'";
  }

  /** Refuses a name that looks like another registered node's (the auditor would alert). */
  static void refuseConfusable(NodeDirectory.Registry registry, String nodeId, String displayName) {
    for (NodeHistory h : registry.histories().values()) {
      if (h.nodeId().equals(nodeId) || h.last() == null) {
        continue;
      }
      for (String mine : List.of(nodeId, displayName)) {
        for (String theirs : List.of(h.nodeId(), h.last().displayName())) {
          if (mine != null
              && theirs != null
              && !mine.isEmpty()
              && IdentityLedger.skeleton(mine).equals(IdentityLedger.skeleton(theirs))) {
            throw new CliException(
                "'"
                    + Identifiers.printable(mine)
                    + "' is visually confusable with node "
                    + h.nodeId()
                    + (theirs.equals(h.nodeId())
                        ? ""
                        : " ('" + Identifiers.printable(theirs) + "')")
                    + "; the auditor would raise CONFUSABLE_IDENTITY",
                "choose a name that cannot be mistaken for " + h.nodeId());
          }
        }
      }
    }
    String suspicious = IdentityLedger.suspiciousName(displayName);
    if (suspicious != null && !displayName.equals(nodeId)) {
      throw new CliException(
          "--display-name '" + Identifiers.printable(displayName) + "' " + suspicious,
          "use a display name in one script, without invisible characters");
    }
  }

  /** Refuses a public key the auditor would refuse or quarantine. */
  static void refuseKey(NodeDirectory.Registry registry, String nodeId, byte[] publicKey) {
    if (!Ed25519.isValidPublicKey(publicKey)) {
      throw new CliException(
          "the public key is not a valid Ed25519 key (not a canonical point of the prime-order"
              + " subgroup: a weak key would make signatures non-binding)",
          "generate a key with: herald nodes keygen --node-id " + nodeId + " --out FILE");
    }
    Optional<String> owner = registry.ownerOfKey(Hashing.hex(publicKey), nodeId);
    if (owner.isPresent()) {
      throw new CliException(
          "this key is (or was) the key of node '"
              + owner.get()
              + "'; one key under two node ids is an identity conflict",
          "generate a new key with: herald nodes keygen --node-id " + nodeId + " --out FILE");
    }
  }

  static NodeRecord existing(NodeDirectory nodes, String nodeId) {
    return nodes
        .find(nodeId)
        .orElseThrow(
            () ->
                new CliException(
                    "node '" + nodeId + "' is not registered",
                    "list the registered nodes with: herald nodes list"));
  }

  static Map<String, Object> describe(NodeRecord n) {
    Map<String, Object> m = new LinkedHashMap<>();
    byte[] key = bytes(n.getPublicKey());
    m.put("nodeId", n.getNodeId().toString());
    m.put("displayName", n.getDisplayName().toString());
    m.put("status", n.getStatus().name());
    m.put("groups", n.getGroups().stream().map(Object::toString).toList());
    m.put("region", n.getRegion().toString());
    m.put("role", n.getRole() == null ? "replica" : n.getRole().toString());
    m.put("keyId", Ed25519.keyId(key));
    m.put("publicKey", Base64.getEncoder().encodeToString(key));
    m.put("registeredAt", n.getRegisteredAt().toString());
    m.put(
        "rotatesFrom",
        n.getRotatesFrom() == null ? null : Ed25519.keyId(bytes(n.getRotatesFrom())));
    return m;
  }

  static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  @Command(
      name = "keygen",
      mixinStandardHelpOptions = true,
      description =
          "Generates an Ed25519 key pair: the private key as PKCS#8 PEM (mode 0600), the public key"
              + " and key id on stdout.")
  static final class Keygen implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--node-id", required = true, description = "Node the key is for.")
    String nodeId;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description = "PEM file to write.")
    Path out;

    @Option(names = "--force", description = "Overwrite an existing file.")
    boolean force;

    @Override
    public Integer call() throws IOException {
      validId(Identifiers.Kind.NODE, "--node-id", nodeId);
      if (Files.exists(out) && !force) {
        throw new CliException(
            out + " exists; refusing to overwrite a private key", "pass --force to replace it");
      }
      Ed25519.KeyPair keys = Ed25519.generate();
      Ed25519.writePem(out, keys.privateKey());
      PrintWriter w = spec.commandLine().getOut();
      w.printf("node       %s%n", nodeId);
      w.printf("private    %s (mode 0600)%n", out);
      w.printf("public     %s%n", Base64.getEncoder().encodeToString(keys.publicKey()));
      w.printf("key id     %s%n", keys.keyId());
      w.printf(
          "next: herald nodes register --node-id %s --key %s --group GROUP --region REGION%n",
          nodeId, out);
      w.flush();
      return HeraldCli.EXIT_OK;
    }
  }

  @Command(
      name = "register",
      mixinStandardHelpOptions = true,
      description = "Registers a node (ACTIVE) with its public key, groups and region.")
  static final class Register implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin RegistryOptions registry;

    @Option(names = "--node-id", required = true)
    String nodeId;

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    KeySource key;

    static final class KeySource {
      @Option(names = "--key", paramLabel = "FILE", description = "The node's private key (PEM).")
      Path privateKey;

      @Option(
          names = "--public-key",
          paramLabel = "KEY",
          description = "The raw 32-byte public key, base64 or hex.")
      String publicKey;
    }

    @Option(
        names = "--group",
        split = ",",
        description = "Replication group(s) the node is a member of (required for a replica).")
    List<String> groups = new ArrayList<>();

    @Option(
        names = "--role",
        defaultValue = "replica",
        description =
            "replica (reports and heartbeats) or auditor (signs alerts and tree heads; see"
                + " docs/security.md); default: ${DEFAULT-VALUE}.")
    String role;

    @Option(names = "--region", defaultValue = "", description = "Region of the node.")
    String region;

    @Option(names = "--display-name", description = "Human-readable name (default: the node id).")
    String displayName;

    @Option(
        names = "--reactivate",
        description =
            "Register a REVOKED, RETIRED or deleted node id as ACTIVE again (the auditor raises"
                + " NODE_REACTIVATED).")
    boolean reactivate;

    @Override
    public Integer call() {
      validId(Identifiers.Kind.NODE, "--node-id", nodeId);
      if (!role.equals("replica") && !role.equals("auditor")) {
        throw new CliException(
            "unknown --role '" + role + "'", "use --role replica or --role auditor");
      }
      if (role.equals("replica") && groups.isEmpty()) {
        throw new CliException(
            "a replica needs at least one --group",
            "pass --group GROUP (or --role auditor for an auditor's key)");
      }
      if (role.equals("auditor") && !groups.isEmpty()) {
        throw new CliException(
            "an auditor is a member of no replication group",
            "drop --group when registering with --role auditor");
      }
      groups.forEach(g -> validId(Identifiers.Kind.GROUP, "--group", g));
      byte[] publicKey =
          key.privateKey != null
              ? readKey(key.privateKey, "--key").publicKey()
              : parsePublicKey(key.publicKey);
      String display = displayName == null ? nodeId : displayName;
      boolean reactivated;
      try (NodeDirectory nodes = registry.open()) {
        NodeDirectory.Registry current = nodes.read();
        Optional<NodeHistory> history = current.history(nodeId);
        NodeHistory.Entry last = history.map(NodeHistory::last).orElse(null);
        if (last != null && !last.publicKeyHex().equals(Hashing.hex(publicKey))) {
          throw new CliException(
              "node '"
                  + nodeId
                  + "' is registered with key "
                  + Ed25519.keyId(HexFormat.of().parseHex(last.publicKeyHex()))
                  + "; registering another key without rotation is an identity conflict",
              "to change its key use: herald nodes rotate --node-id "
                  + nodeId
                  + " --key CURRENT.pem --new-key NEW.pem");
        }
        reactivated = last != null && (!last.registered() || last.status() != NodeStatus.ACTIVE);
        if (reactivated && !reactivate) {
          throw new CliException(
              "node '"
                  + nodeId
                  + "' is "
                  + (last.registered() ? last.status() : "deleted")
                  + "; registering it again would make it ACTIVE",
              "pass --reactivate if that is intended (the auditor raises NODE_REACTIVATED)");
        }
        refuseKey(current, nodeId, publicKey);
        refuseConfusable(current, nodeId, display);
        NodeRecord record =
            NodeRecord.newBuilder()
                .setNodeId(nodeId)
                .setDisplayName(display)
                .setPublicKey(ByteBuffer.wrap(publicKey))
                .setRegion(region)
                .setGroups(new ArrayList<>(groups))
                .setStatus(NodeStatus.ACTIVE)
                .setRegisteredAt(Instant.now())
                .setRotatesFrom(null)
                .setRole(role.equals("replica") ? null : role)
                .build();
        nodes.write(record);
      }
      PrintWriter w = spec.commandLine().getOut();
      w.printf(
          "%s %s key id %s groups %s%n",
          reactivated ? "reactivated" : "registered", nodeId, Ed25519.keyId(publicKey), groups);
      w.flush();
      return HeraldCli.EXIT_OK;
    }

    private static byte[] parsePublicKey(String text) {
      byte[] raw;
      try {
        raw =
            text.matches("[0-9a-fA-F]{64}")
                ? HexFormat.of().parseHex(text)
                : Base64.getDecoder().decode(text);
      } catch (IllegalArgumentException e) {
        raw = new byte[0];
      }
      if (raw.length != Ed25519.PUBLIC_KEY_SIZE) {
        throw new CliException(
            "--public-key is not a 32-byte Ed25519 public key",
            "give it as base64 or 64 hex digits, as 'herald nodes keygen' prints it");
      }
      return raw;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists registered nodes (latest record of each).")
  static final class ListNodes implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin RegistryOptions registry;

    @Option(
        names = {"-o", "--output"},
        defaultValue = "table",
        description = "Output format: table or json (default: ${DEFAULT-VALUE}).")
    String output;

    @Override
    public Integer call() throws Exception {
      List<Map<String, Object>> rows = new ArrayList<>();
      try (NodeDirectory nodes = registry.open()) {
        nodes.readAll().values().forEach(n -> rows.add(describe(n)));
      }
      PrintWriter w = spec.commandLine().getOut();
      if ("json".equals(output)) {
        w.println(
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows));
      } else if ("table".equals(output)) {
        w.printf("%-24s %-8s %-16s %-20s %s%n", "NODE", "STATUS", "KEY ID", "GROUPS", "REGION");
        for (Map<String, Object> r : rows) {
          w.printf(
              "%-24s %-8s %-16s %-20s %s%n",
              r.get("nodeId"),
              r.get("status"),
              r.get("keyId"),
              String.join(",", (List<String>) cast(r.get("groups"))),
              r.get("region"));
        }
      } else {
        throw new CliException("unknown output format '" + output + "'", "use -o table or -o json");
      }
      w.flush();
      return HeraldCli.EXIT_OK;
    }

    @SuppressWarnings("unchecked")
    private static List<String> cast(Object o) {
      return (List<String>) o;
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = "Revokes a node: its reports are treated as from an unknown node from now on.")
  static final class Revoke implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin RegistryOptions registry;

    @Option(names = "--node-id", required = true)
    String nodeId;

    @Override
    public Integer call() {
      try (NodeDirectory nodes = registry.open()) {
        NodeRecord old = existing(nodes, nodeId);
        NodeRecord revoked =
            NodeRecord.newBuilder(old)
                .setStatus(NodeStatus.REVOKED)
                .setRegisteredAt(Instant.now())
                .setRotatesFrom(null)
                .setRotationSignature(null)
                .build();
        nodes.write(revoked);
      }
      spec.commandLine().getOut().printf("revoked %s%n", nodeId);
      spec.commandLine().getOut().flush();
      return HeraldCli.EXIT_OK;
    }
  }

  @Command(
      name = "rotate",
      mixinStandardHelpOptions = true,
      description =
          "Rotates a node's key: registers the new public key with rotatesFrom = the current one,"
              + " signed by the current key (--key), so nobody without it can re-key the node.")
  static final class Rotate implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin RegistryOptions registry;

    @Option(names = "--node-id", required = true)
    String nodeId;

    @Option(
        names = "--key",
        required = true,
        paramLabel = "FILE",
        description = "The node's current private key (PEM): it signs the rotation.")
    Path currentKey;

    @Option(
        names = "--new-key",
        required = true,
        paramLabel = "FILE",
        description = "The node's new private key (PEM), e.g. from herald nodes keygen.")
    Path newKey;

    @Override
    public Integer call() {
      validId(Identifiers.Kind.NODE, "--node-id", nodeId);
      Ed25519.KeyPair current = readKey(currentKey, "--key");
      Ed25519.KeyPair keys = readKey(newKey, "--new-key");
      try (NodeDirectory nodes = registry.open()) {
        NodeDirectory.Registry known = nodes.read();
        NodeRecord old =
            Optional.ofNullable(known.records().get(nodeId))
                .orElseThrow(
                    () ->
                        new CliException(
                            "node '" + nodeId + "' is not registered",
                            "list the registered nodes with: herald nodes list"));
        if (old.getStatus() == NodeStatus.REVOKED) {
          throw new CliException(
              "node '" + nodeId + "' is revoked; a revoked identity cannot rotate",
              "register a new node id instead");
        }
        if (!Arrays.equals(bytes(old.getPublicKey()), current.publicKey())) {
          throw new CliException(
              "--key is not the key registered for '"
                  + nodeId
                  + "' (it is "
                  + current.keyId()
                  + ", the registered one "
                  + Ed25519.keyId(bytes(old.getPublicKey()))
                  + "): only the current key can sign its rotation",
              "pass the node's current private key; if it is lost, revoke the node and register"
                  + " a new node id");
        }
        if (Arrays.equals(bytes(old.getPublicKey()), keys.publicKey())
            || known
                .history(nodeId)
                .map(h -> h.usedKey(Hashing.hex(keys.publicKey())))
                .orElse(false)) {
          throw new CliException(
              "--new-key is a key '" + nodeId + "' already had; a rotation needs a fresh key",
              "generate a new one with: herald nodes keygen --node-id " + nodeId + " --out FILE");
        }
        refuseKey(known, nodeId, keys.publicKey());
        NodeRecord rotated =
            NodeRecord.newBuilder(old)
                .setPublicKey(ByteBuffer.wrap(keys.publicKey()))
                .setRotatesFrom(ByteBuffer.wrap(bytes(old.getPublicKey())))
                .setRegisteredAt(Instant.now())
                .setRotationSignature(null)
                .build();
        RotationSignatures.sign(rotated, current.privateKey());
        nodes.write(rotated);
        spec.commandLine()
            .getOut()
            .printf(
                "rotated %s key %s -> %s (signed by %s)%n",
                nodeId, Ed25519.keyId(bytes(old.getPublicKey())), keys.keyId(), current.keyId());
      }
      spec.commandLine().getOut().flush();
      return HeraldCli.EXIT_OK;
    }
  }

  @Command(
      name = "history",
      mixinStandardHelpOptions = true,
      description =
          "Prints every registry record of a node as the auditor applies it: registrations, key"
              + " rotations (with each key's validity), status changes, tombstones, and the"
              + " records it rejected or quarantined.")
  static final class History implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin RegistryOptions registry;

    @Option(names = "--node-id", required = true)
    String nodeId;

    @Option(
        names = {"-o", "--output"},
        defaultValue = "table",
        description = "Output format: table or json (default: ${DEFAULT-VALUE}).")
    String output;

    @Override
    public Integer call() throws Exception {
      List<Map<String, Object>> rows = new ArrayList<>();
      NodeDirectory.Registry known;
      try (NodeDirectory nodes = registry.open()) {
        known = nodes.read();
      }
      for (Map.Entry<NodeDirectory.Entry, RegistryRules.Decision> e : known.decisions()) {
        NodeDirectory.Entry r = e.getKey();
        String named = r.value() == null ? r.key() : r.value().getNodeId();
        if (!nodeId.equals(r.key()) && !nodeId.equals(named)) {
          continue;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("offset", r.offset());
        row.put("time", Instant.ofEpochMilli(r.timestamp()).toString());
        RegistryRules.Decision d = e.getValue();
        if (d instanceof RegistryRules.Applied a) {
          row.put("decision", "APPLIED");
          row.put("change", a.entry().change().name());
          row.put("status", a.entry().status().name());
          row.put("keyId", Ed25519.keyId(HexFormat.of().parseHex(a.entry().publicKeyHex())));
          row.put("detail", "");
        } else if (d instanceof RegistryRules.Quarantined q) {
          row.put("decision", "QUARANTINED");
          row.put("detail", q.detail());
        } else if (d instanceof RegistryRules.Rejected x) {
          row.put("decision", "REJECTED " + x.reason());
          row.put("detail", x.detail());
        } else if (d instanceof RegistryRules.Unchanged u) {
          row.put("decision", "UNCHANGED");
          row.put("detail", u.detail());
        }
        rows.add(row);
      }
      if (rows.isEmpty()) {
        throw new CliException(
            "no registry record names node '" + nodeId + "'",
            "list the registered nodes with: herald nodes list");
      }
      PrintWriter w = spec.commandLine().getOut();
      if ("json".equals(output)) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("nodeId", nodeId);
        out.put("records", rows);
        out.put(
            "keys",
            known.history(nodeId).map(NodeHistory::keySpans).orElse(List.of()).stream()
                .map(
                    k -> {
                      Map<String, Object> m = new LinkedHashMap<>();
                      m.put("keyId", k.keyId());
                      m.put(
                          "validFrom",
                          k.from() == Long.MIN_VALUE
                              ? null
                              : Instant.ofEpochMilli(k.from()).toString());
                      m.put(
                          "validUntil",
                          k.until() == Long.MAX_VALUE
                              ? null
                              : Instant.ofEpochMilli(k.until()).toString());
                      return m;
                    })
                .toList());
        w.println(
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
      } else if ("table".equals(output)) {
        w.printf(
            "%-8s %-24s %-22s %-12s %-8s %-16s %s%n",
            "OFFSET", "TIME", "DECISION", "CHANGE", "STATUS", "KEY ID", "DETAIL");
        for (Map<String, Object> r : rows) {
          w.printf(
              "%-8s %-24s %-22s %-12s %-8s %-16s %s%n",
              r.get("offset"),
              r.get("time"),
              r.get("decision"),
              r.getOrDefault("change", "-"),
              r.getOrDefault("status", "-"),
              r.getOrDefault("keyId", "-"),
              r.get("detail"));
        }
      } else {
        throw new CliException("unknown output format '" + output + "'", "use -o table or -o json");
      }
      w.flush();
      return HeraldCli.EXIT_OK;
    }
  }
}
