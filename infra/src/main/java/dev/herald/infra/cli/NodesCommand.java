package dev.herald.infra.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.herald.infra.nodes.NodeDirectory;
import dev.herald.infra.nodes.Registries;
import dev.herald.schema.NodeRecord;
import dev.herald.schema.NodeStatus;
import dev.herald.schema.registry.SchemaRegistryClient;
import dev.herald.schema.signing.Ed25519;
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
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code herald nodes keygen|register|list|revoke|rotate}: node identities in the compacted topic
 * {@code herald.nodes.v1}.
 *
 * <pre>
 * herald nodes keygen --node-id payments-eu-1 --out payments-eu-1.pem
 * herald nodes register --node-id payments-eu-1 --key payments-eu-1.pem --group payments --region eu-west
 * herald nodes list -o json
 * herald nodes rotate --node-id payments-eu-1 --new-key payments-eu-1-2027.pem
 * herald nodes revoke --node-id payments-eu-1
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
        required = true,
        split = ",",
        description = "Replication group(s) the node is a member of.")
    List<String> groups;

    @Option(names = "--region", defaultValue = "", description = "Region of the node.")
    String region;

    @Option(names = "--display-name", description = "Human-readable name (default: the node id).")
    String displayName;

    @Override
    public Integer call() {
      byte[] publicKey =
          key.privateKey != null
              ? readKey(key.privateKey, "--key").publicKey()
              : parsePublicKey(key.publicKey);
      try (NodeDirectory nodes = registry.open()) {
        nodes
            .find(nodeId)
            .ifPresent(
                old -> {
                  if (!Arrays.equals(bytes(old.getPublicKey()), publicKey)) {
                    throw new CliException(
                        "node '"
                            + nodeId
                            + "' is registered with key "
                            + Ed25519.keyId(bytes(old.getPublicKey()))
                            + "; registering another key without rotation is an identity conflict",
                        "to change its key use: herald nodes rotate --node-id " + nodeId);
                  }
                });
        NodeRecord record =
            NodeRecord.newBuilder()
                .setNodeId(nodeId)
                .setDisplayName(displayName == null ? nodeId : displayName)
                .setPublicKey(ByteBuffer.wrap(publicKey))
                .setRegion(region)
                .setGroups(new ArrayList<>(groups))
                .setStatus(NodeStatus.ACTIVE)
                .setRegisteredAt(Instant.now())
                .setRotatesFrom(null)
                .build();
        nodes.write(record);
      }
      PrintWriter w = spec.commandLine().getOut();
      w.printf("registered %s key id %s groups %s%n", nodeId, Ed25519.keyId(publicKey), groups);
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
        NodeRecord revoked = NodeRecord.newBuilder(old).setStatus(NodeStatus.REVOKED).build();
        revoked.setRegisteredAt(Instant.now());
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
          "Declares a key rotation: registers the new public key with rotatesFrom = the old one.")
  static final class Rotate implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin RegistryOptions registry;

    @Option(names = "--node-id", required = true)
    String nodeId;

    @Option(
        names = "--new-key",
        required = true,
        paramLabel = "FILE",
        description = "The node's new private key (PEM), e.g. from herald nodes keygen.")
    Path newKey;

    @Override
    public Integer call() {
      Ed25519.KeyPair keys = readKey(newKey, "--new-key");
      try (NodeDirectory nodes = registry.open()) {
        NodeRecord old = existing(nodes, nodeId);
        if (old.getStatus() == NodeStatus.REVOKED) {
          throw new CliException(
              "node '" + nodeId + "' is revoked; a revoked identity cannot rotate",
              "register a new node id instead");
        }
        if (Arrays.equals(bytes(old.getPublicKey()), keys.publicKey())) {
          throw new CliException(
              "--new-key is the key already registered for '" + nodeId + "'",
              "generate a new one with: herald nodes keygen --node-id " + nodeId + " --out FILE");
        }
        NodeRecord rotated =
            NodeRecord.newBuilder(old)
                .setPublicKey(ByteBuffer.wrap(keys.publicKey()))
                .setRotatesFrom(ByteBuffer.wrap(bytes(old.getPublicKey())))
                .setRegisteredAt(Instant.now())
                .build();
        nodes.write(rotated);
        spec.commandLine()
            .getOut()
            .printf(
                "rotated %s key %s -> %s%n",
                nodeId, Ed25519.keyId(bytes(old.getPublicKey())), keys.keyId());
      }
      spec.commandLine().getOut().flush();
      return HeraldCli.EXIT_OK;
    }
  }
}
