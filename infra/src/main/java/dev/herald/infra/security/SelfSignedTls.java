package dev.herald.infra.security;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority (EC P-256) that signs one broker certificate and is then
 * forgotten: its private key is never written, so nobody can mint further certificates from the
 * data directory. Writes a PKCS12 keystore (broker key and chain) and truststore (CA certificate).
 */
final class SelfSignedTls {
  /** The broker certificate's subject; also its principal on the mutual-TLS controller listener. */
  static final String BROKER_SUBJECT = "CN=herald-broker";

  private static final String SIGNATURE = "SHA256withECDSA";
  private static final Duration VALIDITY = Duration.ofDays(825);
  private final SecureRandom random;

  SelfSignedTls(SecureRandom random) {
    this.random = random;
  }

  /** Generates the CA and broker certificate for the given host names and writes both stores. */
  void write(
      Set<String> hostNames, Path keystore, char[] keystorePassword, Path truststore, char[] trust)
      throws IOException, GeneralSecurityException {
    try {
      KeyPair caKeys = ecKeyPair();
      X500Name caName = new X500Name("CN=Herald self-signed CA,O=Herald");
      Instant now = Instant.now();
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder ca =
          new JcaX509v3CertificateBuilder(
                  caName,
                  serial(),
                  Date.from(now.minus(Duration.ofHours(1))),
                  Date.from(now.plus(VALIDITY)),
                  caName,
                  caKeys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(caKeys.getPublic()));
      X509Certificate caCert = sign(ca, caKeys);

      KeyPair brokerKeys = ecKeyPair();
      List<GeneralName> names = new ArrayList<>();
      for (String host : hostNames) {
        names.add(
            isIpLiteral(host)
                ? new GeneralName(GeneralName.iPAddress, host)
                : new GeneralName(GeneralName.dNSName, host));
      }
      X509v3CertificateBuilder broker =
          new JcaX509v3CertificateBuilder(
                  caCert,
                  serial(),
                  Date.from(now.minus(Duration.ofHours(1))),
                  Date.from(now.plus(VALIDITY)),
                  new X500Name(BROKER_SUBJECT),
                  brokerKeys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(names.toArray(GeneralName[]::new)))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  ext.createAuthorityKeyIdentifier(caCert));
      X509Certificate brokerCert = sign(broker, caKeys);

      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry(
          "herald-broker",
          brokerKeys.getPrivate(),
          keystorePassword,
          new Certificate[] {brokerCert, caCert});
      store(ks, keystore, keystorePassword);

      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      ts.setCertificateEntry("herald-ca", caCert);
      store(ts, truststore, trust);
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign a certificate: " + e.getMessage(), e);
    }
  }

  /** localhost, 127.0.0.1 and the advertised host, without duplicates. */
  static Set<String> hostNames(String advertisedHost) {
    Set<String> names = new LinkedHashSet<>();
    names.add("localhost");
    names.add("127.0.0.1");
    names.add(advertisedHost);
    return names;
  }

  private KeyPair ecKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), random);
    return g.generateKeyPair();
  }

  private BigInteger serial() {
    return new BigInteger(127, random);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter()
        .getCertificate(
            builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer.getPrivate())));
  }

  private static void store(KeyStore ks, Path file, char[] password)
      throws IOException, GeneralSecurityException {
    try (OutputStream out = Files.newOutputStream(file)) {
      ks.store(out, password);
    }
    SecretFiles.restrict(file);
  }

  private static boolean isIpLiteral(String host) {
    if (!host.matches("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*")) {
      return false;
    }
    try {
      InetAddress.getByName(host);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
