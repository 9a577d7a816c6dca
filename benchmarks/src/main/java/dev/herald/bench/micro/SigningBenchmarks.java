package dev.herald.bench.micro;

import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.canonical.CanonicalEncoding;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.signing.Ed25519;
import dev.herald.schema.signing.Ed25519Provider;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-report costs on the reporter and auditor hot paths: canonical encoding, SHA-256, Ed25519 sign
 * and verify with BouncyCastle vs the JDK provider (each named explicitly; {@link
 * Ed25519Benchmarks} compares every implementation, Corretto included). Run with {@code ./herald
 * bench --micro} or {@code java -cp ... org.openjdk.jmh.Main SigningBenchmarks}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SigningBenchmarks {

  /** Reports per batch: 1 is the per-event worst case, 256 the default batch cap. */
  @Param({"1", "64"})
  public int batchSize;

  private ReportBatch batch;
  private byte[] message;
  private byte[] stateBytes;
  private Ed25519.KeyPair bcKeys;
  private Ed25519PublicKeyParameters bcPublic;
  private byte[] bcSignature;
  private KeyPair jdkKeys;
  private byte[] jdkSignature;

  @Setup
  public void setUp() throws Exception {
    List<StateChange> reports = new ArrayList<>();
    for (int i = 0; i < batchSize; i++) {
      reports.add(
          StateChange.newBuilder()
              .setEventId("00000000-0000-4000-8000-" + String.format("%012d", i))
              .setGroup("ledger")
              .setEntityKey("account-" + i)
              .setVersion(42)
              .setNodeId("node-1")
              .setPrevStateHash(ByteBuffer.wrap(Hashing.sha256(new byte[] {1})))
              .setStateHash(ByteBuffer.wrap(Hashing.sha256(new byte[] {2})))
              .setOpId("op-" + i)
              .setOpDigest(ByteBuffer.wrap(Hashing.sha256(new byte[] {3})))
              .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
              .setAttributes(Map.of("region", "eu-west"))
              .build());
    }
    batch =
        ReportBatch.newBuilder()
            .setNodeId("node-1")
            .setKeyId("0011223344556677")
            .setPartition(3)
            .setBatchSeq(7)
            .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L))
            .setReports(reports)
            .setSignature(ByteBuffer.allocate(0))
            .build();
    message = CanonicalEncoding.reportBatch(batch);
    stateBytes =
        "{\"balance\":1250,\"owner\":\"alice\",\"history\":[1,2,3]}"
            .getBytes(StandardCharsets.UTF_8);
    bcKeys = Ed25519.fromSeed(new byte[32]);
    bcPublic = Ed25519.publicKey(bcKeys.publicKey());
    bcSignature = Ed25519.sign(bcKeys.privateKey(), message);
    jdkKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(jdkKeys.getPrivate());
    s.update(message);
    jdkSignature = s.sign();
    KeyFactory.getInstance("Ed25519");
  }

  @Benchmark
  public byte[] canonicalEncodeBatch() {
    return CanonicalEncoding.reportBatch(batch);
  }

  @Benchmark
  public byte[] sha256State() {
    return Hashing.sha256(stateBytes);
  }

  @Benchmark
  public byte[] signBouncyCastle() {
    return Ed25519Provider.BOUNCY_CASTLE.sign(bcKeys.privateKey(), message);
  }

  @Benchmark
  public boolean verifyBouncyCastle() {
    return Ed25519Provider.BOUNCY_CASTLE.verify(bcPublic, message, bcSignature);
  }

  @Benchmark
  public byte[] signJdk() throws Exception {
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(jdkKeys.getPrivate());
    s.update(message);
    return s.sign();
  }

  @Benchmark
  public boolean verifyJdk() throws Exception {
    Signature s = Signature.getInstance("Ed25519");
    s.initVerify(jdkKeys.getPublic());
    s.update(message);
    return s.verify(jdkSignature);
  }
}
