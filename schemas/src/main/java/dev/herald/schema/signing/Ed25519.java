package dev.herald.schema.signing;

import dev.herald.schema.canonical.Hashing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;

/**
 * Ed25519 keys, signatures and key ids. Keys are BouncyCastle's; signing and verification run on
 * the fastest implementation available at run time ({@link Ed25519Provider}: Amazon Corretto's
 * native one where it loads, else BouncyCastle; see docs/benchmarks.md).
 *
 * <pre>{@code
 * Ed25519.KeyPair keys = Ed25519.generate();
 * byte[] sig = Ed25519.sign(keys.privateKey(), message);
 * boolean ok = Ed25519.verify(keys.publicKey(), message, sig);
 * }</pre>
 */
public final class Ed25519 {
  public static final int PUBLIC_KEY_SIZE = Ed25519PublicKeyParameters.KEY_SIZE;
  public static final int SIGNATURE_SIZE = Ed25519PrivateKeyParameters.SIGNATURE_SIZE;
  private static final String PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String PEM_END = "-----END PRIVATE KEY-----";
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * DER of a PKCS#8 v1 Ed25519 key up to the 32-byte seed: SEQUENCE { INTEGER 0, SEQUENCE { OID
   * 1.3.101.112 }, OCTET STRING { OCTET STRING (32 bytes) } }.
   */
  private static final byte[] PKCS8_V1_PREFIX = {
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20
  };

  private Ed25519() {}

  /** A private key and its raw 32-byte public key. */
  public record KeyPair(Ed25519PrivateKeyParameters privateKey, byte[] publicKey) {
    /** The key id of the public key. */
    public String keyId() {
      return Ed25519.keyId(publicKey);
    }
  }

  /** A new random key pair. */
  public static KeyPair generate() {
    return fromPrivate(new Ed25519PrivateKeyParameters(RANDOM));
  }

  /** A deterministic key pair from a 32-byte seed (simulator and test vectors only). */
  public static KeyPair fromSeed(byte[] seed) {
    if (seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
      throw new IllegalArgumentException("an Ed25519 seed has 32 bytes, not " + seed.length);
    }
    return fromPrivate(new Ed25519PrivateKeyParameters(seed, 0));
  }

  private static KeyPair fromPrivate(Ed25519PrivateKeyParameters key) {
    return new KeyPair(key, key.generatePublicKey().getEncoded());
  }

  /**
   * The id of a public key: lower-case hex of the first 8 bytes of its SHA-256. Written in every
   * batch, so the auditor can tell a rotated key from a forged one.
   */
  public static String keyId(byte[] publicKey) {
    return Hashing.hex(Arrays.copyOf(Hashing.sha256(publicKey), 8));
  }

  /** Signs {@code message}. */
  public static byte[] sign(Ed25519PrivateKeyParameters key, byte[] message) {
    return Ed25519Provider.selected().sign(key, message);
  }

  /** Verifies a signature; false (never an exception) for malformed keys or signatures. */
  public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
    if (publicKey == null || publicKey.length != PUBLIC_KEY_SIZE) {
      return false;
    }
    return verify(new Ed25519PublicKeyParameters(publicKey, 0), message, signature);
  }

  /** Verifies with an already decoded key (decode once and cache it on hot paths). */
  public static boolean verify(
      Ed25519PublicKeyParameters publicKey, byte[] message, byte[] signature) {
    if (signature == null || signature.length != SIGNATURE_SIZE) {
      return false;
    }
    return Ed25519Provider.selected().verify(publicKey, message, signature);
  }

  /**
   * Whether {@code raw} is a public key a signature can bind to: 32 bytes that are the canonical
   * encoding of a point on the curve, not of small order, in the prime-order subgroup
   * (BouncyCastle's full public-key validation, RFC 8032 §5.1.3 plus the checks of "Taming the many
   * EdDSAs"). A weak key (the identity, a small-order point, a non-canonical encoding) verifies
   * signatures its holder did not make, or that hold for several messages, so registries refuse it.
   */
  public static boolean isValidPublicKey(byte[] raw) {
    return raw != null
        && raw.length == PUBLIC_KEY_SIZE
        && org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFull(raw, 0);
  }

  /** Decodes a raw public key; throws {@link IllegalArgumentException} when it is not 32 bytes. */
  public static Ed25519PublicKeyParameters publicKey(byte[] raw) {
    if (raw == null || raw.length != PUBLIC_KEY_SIZE) {
      throw new IllegalArgumentException(
          "an Ed25519 public key has 32 bytes, not " + (raw == null ? 0 : raw.length));
    }
    return new Ed25519PublicKeyParameters(raw, 0);
  }

  /**
   * The private key as PKCS#8 v1 PEM (RFC 8410 §7, no public key attribute): exactly what {@code
   * openssl genpkey -algorithm ed25519} writes, so OpenSSL, Python's {@code cryptography}, Go and
   * the JDK all read it.
   */
  public static String toPem(Ed25519PrivateKeyParameters key) {
    byte[] der = new byte[PKCS8_V1_PREFIX.length + Ed25519PrivateKeyParameters.KEY_SIZE];
    System.arraycopy(PKCS8_V1_PREFIX, 0, der, 0, PKCS8_V1_PREFIX.length);
    key.encode(der, PKCS8_V1_PREFIX.length);
    String b64 =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return PEM_BEGIN + "\n" + b64 + "\n" + PEM_END + "\n";
  }

  /**
   * Reads a PKCS#8 PEM private key, v1 (OpenSSL's) or v2 (RFC 5958, with the public key, as earlier
   * Herald versions wrote it); the message names what is wrong with it.
   */
  public static KeyPair fromPem(String pem) {
    int begin = pem.indexOf(PEM_BEGIN);
    int end = pem.indexOf(PEM_END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          "not a PKCS#8 PEM private key: expected a '" + PEM_BEGIN + "' block");
    }
    String body = pem.substring(begin + PEM_BEGIN.length(), end).replaceAll("\\s", "");
    try {
      AsymmetricKeyParameter key =
          PrivateKeyFactory.createKey(PrivateKeyInfo.getInstance(Base64.getDecoder().decode(body)));
      if (key instanceof Ed25519PrivateKeyParameters ed) {
        return fromPrivate(ed);
      }
      throw new IllegalArgumentException(
          "the PEM holds a " + key.getClass().getSimpleName() + ", not an Ed25519 private key");
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("the PEM")) {
        throw iae;
      }
      throw new IllegalArgumentException(
          "cannot read the PKCS#8 private key: " + e.getMessage(), e);
    }
  }

  /** Reads a PKCS#8 PEM private key file. */
  public static KeyPair readPem(Path file) throws IOException {
    try {
      return fromPem(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** Writes a private key as PKCS#8 PEM, readable by its owner only (mode 0600 where POSIX). */
  public static void writePem(Path file, Ed25519PrivateKeyParameters key) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.deleteIfExists(file);
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
    Files.writeString(file, toPem(key), StandardCharsets.US_ASCII);
  }
}
