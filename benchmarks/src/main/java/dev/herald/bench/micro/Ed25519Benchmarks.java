package dev.herald.bench.micro;

import dev.herald.schema.signing.Ed25519;
import dev.herald.schema.signing.Ed25519Provider;
import java.util.Random;
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
 * Ed25519 sign and verify, one thread, with each implementation Herald can run on ({@link
 * Ed25519Provider}: Amazon Corretto's native provider, BouncyCastle, the JDK's SunEC), through the
 * very calls Herald makes (keys decoded once, as the auditor's key cache does). Message sizes: 200
 * bytes (a one-report batch) and 4 KiB (a batch of about 16 reports). An implementation that is not
 * available on this machine is left out by {@code MicroBenchmarks}.
 *
 * <pre>{@code
 * java -cp 'benchmarks/target/herald-benchmarks.jar:benchmarks/target/lib/*' \
 *     org.openjdk.jmh.Main Ed25519Benchmarks
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class Ed25519Benchmarks {
  @Param({"CORRETTO", "BOUNCY_CASTLE", "JDK"})
  public String provider;

  @Param({"200", "4096"})
  public int messageBytes;

  private Ed25519Provider impl;
  private Ed25519.KeyPair keys;
  private Ed25519PublicKeyParameters publicKey;
  private byte[] message;
  private byte[] signature;

  @Setup
  public void setUp() {
    impl = Ed25519Provider.valueOf(provider);
    if (!impl.available()) {
      throw new IllegalStateException(provider + " is not available on this machine");
    }
    keys = Ed25519.fromSeed(new byte[32]);
    publicKey = Ed25519.publicKey(keys.publicKey());
    message = new byte[messageBytes];
    new Random(1).nextBytes(message);
    signature = impl.sign(keys.privateKey(), message);
  }

  @Benchmark
  public boolean verify() {
    return impl.verify(publicKey, message, signature);
  }

  @Benchmark
  public byte[] sign() {
    return impl.sign(keys.privateKey(), message);
  }
}
