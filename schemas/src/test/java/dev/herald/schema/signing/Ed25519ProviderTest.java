package dev.herald.schema.signing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.junit.jupiter.api.Test;

/**
 * Every Ed25519 implementation Herald may run with decides alike: the same signatures, and the same
 * verdict on valid, tampered, non-canonical and small-order input. So which one a machine picks
 * ({@link Ed25519Provider#selected()}) never changes what the auditor or {@code herald verify}
 * decides.
 */
class Ed25519ProviderTest {
  private static final BigInteger L =
      BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));

  private static List<Ed25519Provider> available() {
    return Arrays.stream(Ed25519Provider.values()).filter(Ed25519Provider::available).toList();
  }

  @Test
  void everyAvailableImplementationSignsTheSameBytesAndVerifiesTheOthers() {
    Random random = new Random(42);
    for (int i = 0; i < 50; i++) {
      byte[] seed = new byte[32];
      random.nextBytes(seed);
      Ed25519.KeyPair keys = Ed25519.fromSeed(seed);
      byte[] message = new byte[random.nextInt(5000)];
      random.nextBytes(message);
      byte[] expected = Ed25519Provider.BOUNCY_CASTLE.sign(keys.privateKey(), message);
      Ed25519PublicKeyParameters pub = Ed25519.publicKey(keys.publicKey());
      for (Ed25519Provider p : available()) {
        assertThat(p.sign(keys.privateKey(), message)).as(p.label()).isEqualTo(expected);
        assertThat(p.verify(pub, message, expected)).as(p.label()).isTrue();
      }
    }
  }

  @Test
  void everyAvailableImplementationSignsAndVerifiesMessagesLargerThanCorrettoBuffers() {
    // Given: messages around and far beyond Corretto's 1 MiB buffer
    Random random = new Random(3);
    Ed25519.KeyPair keys = Ed25519.fromSeed(new byte[32]);
    Ed25519PublicKeyParameters pub = Ed25519.publicKey(keys.publicKey());
    for (int size :
        new int[] {
          Ed25519Provider.CORRETTO_MAX_MESSAGE, Ed25519Provider.CORRETTO_MAX_MESSAGE + 1, 10 << 20
        }) {
      byte[] message = new byte[size];
      random.nextBytes(message);
      byte[] expected = Ed25519Provider.BOUNCY_CASTLE.sign(keys.privateKey(), message);

      // When / Then: every implementation signs the same bytes and verifies them, none throws
      for (Ed25519Provider p : available()) {
        assertThat(p.sign(keys.privateKey(), message))
            .as(p.label() + " " + size)
            .isEqualTo(expected);
        assertThat(p.verify(pub, message, expected)).as(p.label() + " " + size).isTrue();
      }
      byte[] tampered = message.clone();
      tampered[size - 1] ^= 1;
      assertAllAgree(pub, tampered, expected);
    }
  }

  @Test
  void everyAvailableImplementationRejectsTheSameTamperedSignatures() {
    Random random = new Random(7);
    Ed25519.KeyPair keys = Ed25519.fromSeed(new byte[32]);
    Ed25519PublicKeyParameters pub = Ed25519.publicKey(keys.publicKey());
    byte[] message = "herald".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] good = Ed25519Provider.BOUNCY_CASTLE.sign(keys.privateKey(), message);
    for (int bit = 0; bit < 512; bit += 7) {
      byte[] bad = good.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertAllAgree(pub, message, bad);
    }
    byte[] otherMessage = message.clone();
    otherMessage[0] ^= 1;
    assertAllAgree(pub, otherMessage, good);
    assertAllAgree(pub, message, Arrays.copyOf(good, 63));
    byte[] junk = new byte[64];
    random.nextBytes(junk);
    assertAllAgree(pub, message, junk);
  }

  @Test
  void everyAvailableImplementationRejectsANonCanonicalScalar() {
    Ed25519.KeyPair keys = Ed25519.fromSeed(new byte[32]);
    Ed25519PublicKeyParameters pub = Ed25519.publicKey(keys.publicKey());
    byte[] message = {1, 2, 3};
    byte[] good = Ed25519Provider.BOUNCY_CASTLE.sign(keys.privateKey(), message);
    // S + L verifies the same equation: an implementation that does not enforce S < L accepts it
    byte[] s = Arrays.copyOfRange(good, 32, 64);
    BigInteger sPlusL = littleEndian(s).add(L);
    byte[] malleable = good.clone();
    System.arraycopy(toLittleEndian(sPlusL, 32), 0, malleable, 32, 32);
    for (Ed25519Provider p : available()) {
      assertThat(p.verify(pub, message, malleable)).as(p.label()).isFalse();
    }
  }

  @Test
  void everyAvailableImplementationDecidesAlikeOnASmallOrderKey() {
    // the identity point as public key, R the identity and S = 0: the cofactorless equation holds
    // for every message; what matters here is that all implementations give the same answer
    byte[] identity = new byte[32];
    identity[0] = 1;
    Ed25519PublicKeyParameters pub;
    try {
      pub = new Ed25519PublicKeyParameters(identity, 0);
    } catch (IllegalArgumentException e) {
      return; // BouncyCastle refuses to decode the key: nobody can verify with it
    }
    byte[] signature = new byte[64];
    signature[0] = 1;
    assertAllAgree(pub, "any message".getBytes(java.nio.charset.StandardCharsets.UTF_8), signature);
  }

  @Test
  void theSelectedImplementationIsAvailableAndAnUnknownChoiceFallsBack() {
    assertThat(Ed25519Provider.selected().available()).isTrue();
    assertThat(Ed25519Provider.choose("bouncycastle")).isEqualTo(Ed25519Provider.BOUNCY_CASTLE);
    assertThat(Ed25519Provider.choose("jdk")).isEqualTo(Ed25519Provider.JDK);
    Ed25519Provider auto = Ed25519Provider.choose("auto");
    assertThat(Ed25519Provider.choose("no-such-thing")).isEqualTo(auto);
    assertThat(auto)
        .isEqualTo(
            Ed25519Provider.CORRETTO.available()
                ? Ed25519Provider.CORRETTO
                : Ed25519Provider.BOUNCY_CASTLE);
  }

  @Test
  void theRfc8032TestVectorVerifiesWithEveryAvailableImplementation() {
    HexFormat hex = HexFormat.of();
    // RFC 8032 section 7.1, TEST 3 (two-byte message)
    Ed25519.KeyPair keys =
        Ed25519.fromSeed(
            hex.parseHex("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7"));
    assertThat(hex.formatHex(keys.publicKey()))
        .isEqualTo("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025");
    byte[] message = hex.parseHex("af82");
    byte[] signature =
        hex.parseHex(
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
                + "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a");
    for (Ed25519Provider p : available()) {
      assertThat(p.sign(keys.privateKey(), message)).as(p.label()).isEqualTo(signature);
      assertThat(p.verify(Ed25519.publicKey(keys.publicKey()), message, signature))
          .as(p.label())
          .isTrue();
    }
  }

  private static void assertAllAgree(
      Ed25519PublicKeyParameters pub, byte[] message, byte[] signature) {
    boolean expected = Ed25519Provider.BOUNCY_CASTLE.verify(pub, message, signature);
    for (Ed25519Provider p : available()) {
      assertThat(p.verify(pub, message, signature)).as(p.label()).isEqualTo(expected);
    }
  }

  private static BigInteger littleEndian(byte[] b) {
    byte[] be = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      be[i] = b[b.length - 1 - i];
    }
    return new BigInteger(1, be);
  }

  private static byte[] toLittleEndian(BigInteger v, int size) {
    byte[] be = v.toByteArray();
    byte[] le = new byte[size];
    for (int i = 0; i < Math.min(size, be.length); i++) {
      le[i] = be[be.length - 1 - i];
    }
    return le;
  }
}
