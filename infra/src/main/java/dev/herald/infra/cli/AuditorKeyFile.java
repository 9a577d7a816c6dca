package dev.herald.infra.cli;

import dev.herald.schema.ledger.AuditLogVerifier.AuditorKey;
import dev.herald.schema.signing.Ed25519;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code herald auditor --auditor-key}: reads the auditor's private key and refuses, with what to
 * do, a file that is missing or not an Ed25519 PKCS#8 key, and a key the registry does not hold
 * with role {@code auditor} for {@code --auditor-id} (every alert it signed would fail {@code
 * herald verify --require-auditor-signature}).
 */
final class AuditorKeyFile {
  private AuditorKeyFile() {}

  /** The key pair in {@code file}, or a {@link CliException} naming what is wrong. */
  static Ed25519.KeyPair read(Path file, String auditorId) {
    if (!Files.isRegularFile(file)) {
      throw new CliException(
          "--auditor-key " + file + ": no such file",
          "create the auditor's key with: herald nodes keygen --node-id "
              + auditorId
              + " --out "
              + file
              + " && herald nodes register --node-id "
              + auditorId
              + " --role auditor --key "
              + file,
          HeraldCli.EXIT_USAGE,
          null);
    }
    try {
      // ISO-8859-1 maps every byte: a binary or UTF-8 file is reported as "no PEM block", not as
      // a charset error
      return Ed25519.fromPem(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
    } catch (IOException | IllegalArgumentException e) {
      throw new CliException(
          "--auditor-key "
              + file
              + " is not an Ed25519 private key (PKCS#8 PEM): "
              + e.getMessage(),
          "pass the PEM written by 'herald nodes keygen --node-id "
              + auditorId
              + " --out FILE' (or 'openssl genpkey -algorithm ed25519')",
          HeraldCli.EXIT_USAGE,
          e);
    }
  }

  /**
   * Refuses {@code key} unless the registry's auditor keys ({@link AuditLogSource#auditorKeys})
   * hold it, ACTIVE, for {@code auditorId}.
   */
  static void requireRegistered(
      Map<String, AuditorKey> registered, String auditorId, Ed25519.KeyPair key, Path file) {
    AuditorKey k = registered.get(key.keyId());
    String register =
        "herald nodes register --node-id " + auditorId + " --role auditor --key " + file;
    if (k == null) {
      throw new CliException(
          "--auditor-key "
              + file
              + " (key id "
              + key.keyId()
              + ") is not registered with role auditor: herald verify would reject every alert"
              + " this auditor signs",
          "register it first with: " + register,
          HeraldCli.EXIT_USAGE,
          null);
    }
    if (!k.auditorId().equals(auditorId)) {
      throw new CliException(
          "--auditor-key "
              + file
              + " (key id "
              + key.keyId()
              + ") is registered for auditor '"
              + k.auditorId()
              + "', not for --auditor-id '"
              + auditorId
              + "'",
          "pass --auditor-id " + k.auditorId(),
          HeraldCli.EXIT_USAGE,
          null);
    }
    if (!"ACTIVE".equals(k.status())) {
      throw new CliException(
          "auditor '" + auditorId + "' is " + k.status() + " in the registry",
          "register a new auditor id with its own key: herald nodes keygen --node-id NEW_ID"
              + " --out NEW.pem && herald nodes register --node-id NEW_ID --role auditor --key"
              + " NEW.pem",
          HeraldCli.EXIT_USAGE,
          null);
    }
  }
}
