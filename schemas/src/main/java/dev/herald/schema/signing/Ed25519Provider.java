package dev.herald.schema.signing;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ed25519 implementations Herald can sign and verify with, and the one it runs with: the
 * fastest that works on this machine, chosen once per JVM. Every signature Herald checks — the
 * auditor's admission, the Flink jobs' heartbeat check, {@code herald verify}, the benchmark's work
 * floor — and every one the reporter makes goes through {@link Ed25519}, so they all run on the
 * same implementation and the benchmark's ratios compare like with like.
 *
 * <ul>
 *   <li>{@link #CORRETTO}: Amazon Corretto Crypto Provider (AWS-LC, native; on the classpath as
 *       {@code software.amazon.cryptools:AmazonCorrettoCryptoProvider:linux-x86_64}). Its native
 *       library exists for some platforms only; it has Ed25519 signatures but no Ed25519 key
 *       factory, so keys are built by the JDK's and handed to it.
 *   <li>{@link #BOUNCY_CASTLE}: BouncyCastle's lightweight API, pure Java, always available.
 *   <li>{@link #JDK}: the JDK's own provider (SunEC), pure Java, slow; for comparison.
 * </ul>
 *
 * <p>All three implement RFC 8032 Ed25519 (cofactorless verification, {@code S < L} enforced, the
 * point {@code R} compared by its canonical encoding) and so decide alike; {@code
 * Ed25519ProviderTest} checks that on valid, tampered, non-canonical and small-order inputs.
 *
 * <p>Choice: the system property {@value #PROPERTY} or the environment variable {@value #ENV}
 * ({@code auto}, the default; {@code corretto}, {@code bouncycastle}, {@code jdk}). {@code auto}
 * takes Corretto when its native library loads and passes a known-answer self-test, else
 * BouncyCastle; a named implementation that is not available falls back the same way, with a
 * warning.
 *
 * <pre>{@code
 * Ed25519Provider p = Ed25519Provider.selected();   // e.g. CORRETTO
 * boolean ok = p.verify(publicKey, message, signature);
 * }</pre>
 */
public enum Ed25519Provider {
  /** Amazon Corretto Crypto Provider (native AWS-LC). */
  CORRETTO("corretto"),
  /** BouncyCastle's lightweight API (pure Java). */
  BOUNCY_CASTLE("bouncycastle"),
  /** The JDK's provider (SunEC, pure Java). */
  JDK("jdk");

  /** System property that chooses the implementation. */
  public static final String PROPERTY = "herald.ed25519.provider";

  /** Environment variable that chooses the implementation (the property wins). */
  public static final String ENV = "HERALD_ED25519_PROVIDER";

  private static final Logger LOG = LoggerFactory.getLogger(Ed25519Provider.class);
  private static final String CORRETTO_CLASS =
      "com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider";

  /** X.509 SubjectPublicKeyInfo of an Ed25519 key up to the 32 raw bytes (RFC 8410). */
  private static final byte[] SPKI_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  /** PKCS#8 v1 of an Ed25519 key up to the 32-byte seed (RFC 8410). */
  private static final byte[] PKCS8_PREFIX = {
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20
  };

  /**
   * Corretto's Ed25519 buffers the whole message and refuses more than 1 MiB ({@code
   * IllegalArgumentException: Invalid capacity}); messages longer than this half of it go to
   * BouncyCastle, which decides alike, so no message size makes the implementations disagree.
   */
  static final int CORRETTO_MAX_MESSAGE = 1 << 19;

  private final String label;

  Ed25519Provider(String label) {
    this.label = label;
  }

  /** The name used by {@value #PROPERTY}. */
  public String label() {
    return label;
  }

  /** The implementation this JVM runs with (chosen on first use). */
  public static Ed25519Provider selected() {
    return Selection.SELECTED;
  }

  /** Why Corretto is not available here, or null when it is. */
  public static String correttoProblem() {
    return Corretto.LOAD_PROBLEM;
  }

  /** Whether this implementation works here (Corretto: its native library loaded and passed). */
  public boolean available() {
    return switch (this) {
      case CORRETTO -> Corretto.PROVIDER != null;
      case BOUNCY_CASTLE, JDK -> true;
    };
  }

  /**
   * Verifies {@code signature} over {@code message}; false, never an exception, for a malformed
   * signature. {@link IllegalStateException} when this implementation is not {@link #available()}.
   */
  public boolean verify(Ed25519PublicKeyParameters key, byte[] message, byte[] signature) {
    if (signature == null || signature.length != Ed25519.SIGNATURE_SIZE || message == null) {
      return false;
    }
    return switch (this) {
      case BOUNCY_CASTLE -> {
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, key);
        verifier.update(message, 0, message.length);
        yield verifier.verifySignature(signature);
      }
      case CORRETTO ->
          message.length > CORRETTO_MAX_MESSAGE
              ? BOUNCY_CASTLE.verify(key, message, signature)
              : Jca.verify(Corretto.get(), key, message, signature);
      case JDK -> Jca.verify(Jca.JDK_SIGNATURES.get(), key, message, signature);
    };
  }

  /** Signs {@code message} (deterministic, RFC 8032: every implementation gives the same bytes). */
  public byte[] sign(Ed25519PrivateKeyParameters key, byte[] message) {
    return switch (this) {
      case BOUNCY_CASTLE -> {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, key);
        signer.update(message, 0, message.length);
        yield signer.generateSignature();
      }
      case CORRETTO ->
          message.length > CORRETTO_MAX_MESSAGE
              ? BOUNCY_CASTLE.sign(key, message)
              : Jca.sign(Corretto.get(), key, message);
      case JDK -> Jca.sign(Jca.JDK_SIGNATURES.get(), key, message);
    };
  }

  /** The implementation asked for by {@code choice} (property syntax), falling back as above. */
  static Ed25519Provider choose(String choice) {
    String c = choice == null || choice.isBlank() ? "auto" : choice.trim().toLowerCase(Locale.ROOT);
    for (Ed25519Provider p : values()) {
      if (p.label.equals(c)) {
        if (p.available()) {
          return p;
        }
        LOG.warn(
            "Ed25519 implementation {} is not available here ({}); falling back",
            c,
            Corretto.LOAD_PROBLEM);
        return fallback();
      }
    }
    if (!c.equals("auto")) {
      LOG.warn(
          "{}={} is not one of auto, corretto, bouncycastle, jdk; using auto", PROPERTY, choice);
    }
    return fallback();
  }

  private static Ed25519Provider fallback() {
    return CORRETTO.available() ? CORRETTO : BOUNCY_CASTLE;
  }

  private static final class Selection {
    static final Ed25519Provider SELECTED;

    static {
      String choice = System.getProperty(PROPERTY);
      if (choice == null) {
        choice = System.getenv(ENV);
      }
      SELECTED = choose(choice);
      // DEBUG, not INFO: tools that print to stdout (herald verify, test-vector printers) must
      // print only their own output; the benchmark and the auditor report the choice themselves
      LOG.debug(
          "Ed25519 implementation: {} (Corretto: {})",
          SELECTED.label,
          Corretto.PROVIDER == null ? Corretto.LOAD_PROBLEM : "available");
    }
  }

  /** Amazon Corretto Crypto Provider, loaded by reflection so that it stays optional. */
  private static final class Corretto {
    static final Provider PROVIDER;
    static final String LOAD_PROBLEM;

    static {
      Provider provider = null;
      String problem = null;
      try {
        Class<?> c = Class.forName(CORRETTO_CLASS);
        Provider p = (Provider) c.getField("INSTANCE").get(null);
        Object error = c.getMethod("getLoadingError").invoke(p);
        if (error != null) {
          problem = "its native library did not load: " + error;
        } else if (!KnownAnswer.passes(p)) {
          problem = "it failed the RFC 8032 known-answer test";
        } else {
          provider = p;
        }
      } catch (ClassNotFoundException e) {
        problem = "not on the classpath";
      } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
        problem = e.toString();
      }
      PROVIDER = provider;
      LOAD_PROBLEM = problem;
    }

    private static final ThreadLocal<Jca.Signatures> SIGNATURES =
        ThreadLocal.withInitial(() -> new Jca.Signatures(PROVIDER));

    static Jca.Signatures get() {
      if (PROVIDER == null) {
        throw new IllegalStateException("Corretto Ed25519 is not available: " + LOAD_PROBLEM);
      }
      return SIGNATURES.get();
    }
  }

  /** RFC 8032 section 7.1, test 2 (one-byte message). */
  private static final class KnownAnswer {
    private static final HexFormat HEX = HexFormat.of();
    static final byte[] SEED =
        HEX.parseHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
    static final byte[] MESSAGE = HEX.parseHex("72");
    static final byte[] SIGNATURE =
        HEX.parseHex(
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");

    static boolean passes(Provider p) {
      try {
        Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(SEED, 0);
        Ed25519PublicKeyParameters pub = key.generatePublicKey();
        Jca.Signatures s = new Jca.Signatures(p);
        byte[] tampered = SIGNATURE.clone();
        tampered[0] ^= 1;
        return Arrays.equals(Jca.sign(s, key, MESSAGE), SIGNATURE)
            && Jca.verify(s, pub, MESSAGE, SIGNATURE)
            && !Jca.verify(s, pub, MESSAGE, tampered);
      } catch (RuntimeException | LinkageError e) {
        return false;
      }
    }
  }

  /** A JCA provider's Ed25519, with keys built by the JDK's key factory (cached per key). */
  private static final class Jca {
    static final ThreadLocal<Signatures> JDK_SIGNATURES =
        ThreadLocal.withInitial(() -> new Signatures(null));

    /** One thread's signature objects and converted keys (neither is thread-safe). */
    static final class Signatures {
      final Provider provider;
      final Signature signature;
      final KeyFactory keys;
      // keyed by the BouncyCastle key object (identity: it does not override equals), weakly,
      // so keys that callers decoded once and cached are converted once
      final Map<Ed25519PublicKeyParameters, PublicKey> publicKeys = new WeakHashMap<>();
      final Map<Ed25519PrivateKeyParameters, PrivateKey> privateKeys = new WeakHashMap<>();

      Signatures(Provider provider) {
        this.provider = provider;
        try {
          this.signature =
              provider == null ? jdkSignature() : Signature.getInstance("Ed25519", provider);
          this.keys = KeyFactory.getInstance("Ed25519");
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("no Ed25519 in this JDK: " + e.getMessage(), e);
        }
      }

      /** The JDK's own Ed25519 (SunEC), even when another provider was installed first. */
      private static Signature jdkSignature() throws GeneralSecurityException {
        Provider sunEc = Security.getProvider("SunEC");
        return sunEc == null
            ? Signature.getInstance("Ed25519")
            : Signature.getInstance("Ed25519", sunEc);
      }

      PublicKey publicKey(Ed25519PublicKeyParameters key) throws GeneralSecurityException {
        PublicKey k = publicKeys.get(key);
        if (k == null) {
          byte[] der = new byte[SPKI_PREFIX.length + Ed25519.PUBLIC_KEY_SIZE];
          System.arraycopy(SPKI_PREFIX, 0, der, 0, SPKI_PREFIX.length);
          key.encode(der, SPKI_PREFIX.length);
          k = keys.generatePublic(new X509EncodedKeySpec(der));
          publicKeys.put(key, k);
        }
        return k;
      }

      PrivateKey privateKey(Ed25519PrivateKeyParameters key) throws GeneralSecurityException {
        PrivateKey k = privateKeys.get(key);
        if (k == null) {
          byte[] der = new byte[PKCS8_PREFIX.length + Ed25519PrivateKeyParameters.KEY_SIZE];
          System.arraycopy(PKCS8_PREFIX, 0, der, 0, PKCS8_PREFIX.length);
          key.encode(der, PKCS8_PREFIX.length);
          k = keys.generatePrivate(new PKCS8EncodedKeySpec(der));
          privateKeys.put(key, k);
        }
        return k;
      }
    }

    static boolean verify(
        Signatures s, Ed25519PublicKeyParameters key, byte[] message, byte[] signature) {
      try {
        s.signature.initVerify(s.publicKey(key));
        s.signature.update(message);
        return s.signature.verify(signature);
      } catch (GeneralSecurityException | RuntimeException e) {
        // a malformed key or signature simply does not verify
        return false;
      }
    }

    static byte[] sign(Signatures s, Ed25519PrivateKeyParameters key, byte[] message) {
      try {
        s.signature.initSign(s.privateKey(key));
        s.signature.update(message);
        return s.signature.sign();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
      }
    }
  }
}
