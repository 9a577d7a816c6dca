package dev.herald.it.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.flink.FlinkJobConfig;
import dev.herald.flink.HeraldFlinkMain;
import dev.herald.flink.io.RegistrySpec;
import dev.herald.it.support.KafkaBrokerExtension;
import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.DeadLetter;
import dev.herald.schema.Heartbeat;
import dev.herald.schema.Topics;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.signing.BatchSignatures;
import dev.herald.schema.signing.Ed25519;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Availability is compliance evidence, so the job counts only heartbeats it can verify: signed by
 * the key {@code herald.nodes.v1} registers for the node. While {@code n2} is down, whoever holds
 * the shared reporter credential writes heartbeats in its name every 5 s — unsigned, and signed
 * with a key of their own — and heartbeats for a node nobody registered. None of them may count:
 * {@code n2}'s downtime is exactly what its real heartbeats give, and every forgery is a dead
 * letter with its reason.
 */
@Tag("slow")
class UnverifiedHeartbeatIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void unsignedHeartbeatsForADownNodeDoNotRaiseItsAvailability() throws Exception {
    // Given the crash scenario, and forgeries for n2 throughout its crash
    CrashScenario scenario = CrashScenario.recent(8, 2, 120_000);
    RegistrySpec registry = RegistrySpec.parse(RegistrySpec.PRELOADED);
    Forger forger = new Forger(scenario);
    scenario.produce(KAFKA.bootstrapServers(), registry, forger);
    FlinkJobConfig config =
        FlinkJobConfig.builder(KAFKA.bootstrapServers(), RegistrySpec.PRELOADED)
            .bounded(true)
            .checkpointInterval(Duration.ofSeconds(1))
            .id("unverified")
            .build();
    // When
    JobClient job =
        HeraldFlinkMain.start(
            StreamExecutionEnvironment.createLocalEnvironment(1), "availability", config);
    job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
    // Then n2 was down for exactly what its own heartbeats say, and n1 never
    AvroWireFormat<AvailabilityWindow> windows =
        new AvroWireFormat<>(AvailabilityWindow.class, registry.connect());
    List<AvailabilityWindow> out =
        TopicReader.readAll(
            KAFKA.bootstrapServers(),
            Topics.AVAILABILITY,
            r -> windows.deserialize(r.topic(), r.value()));
    assertThat(FlinkEndToEndIT.downtime(out, CrashScenario.CRASHED))
        .isEqualTo(scenario.expectedDowntimeMs(15_000));
    assertThat(FlinkEndToEndIT.downtime(out, "n1")).isZero();
    assertThat(out).noneMatch(w -> w.getScopeId().equals("n9"));
    // and every forgery is a dead letter saying why
    AvroWireFormat<DeadLetter> letters = new AvroWireFormat<>(DeadLetter.class, registry.connect());
    List<DeadLetter> dead =
        TopicReader.readAll(
            KAFKA.bootstrapServers(), Topics.DLQ, r -> letters.deserialize(r.topic(), r.value()));
    assertThat(dead)
        .filteredOn(d -> d.getTopic().equals(Topics.HEARTBEATS))
        .extracting(DeadLetter::getReason)
        .filteredOn(reason -> reason.equals("FORGED") || reason.equals("UNKNOWN_NODE"))
        .hasSize(forger.written);
  }

  /**
   * At every 5 s of n2's crash: a heartbeat of n2 with no signature, one signed with a key that is
   * not n2's, and one of the unregistered node n9.
   */
  private static final class Forger implements CrashScenario.Intruder {
    private final CrashScenario scenario;
    private final Ed25519.KeyPair thief = Ed25519.generate();
    private long sequence = Long.MAX_VALUE / 2;
    int written;

    Forger(CrashScenario scenario) {
      this.scenario = scenario;
    }

    @Override
    public List<Heartbeat> at(long t) {
      if (t < scenario.crashFrom() || t >= scenario.crashTo()) {
        return List.of();
      }
      Heartbeat unsigned = CrashScenario.signedHeartbeat(CrashScenario.CRASHED, ++sequence, t);
      unsigned.setSignature(ByteBuffer.wrap(new byte[Ed25519.SIGNATURE_SIZE]));
      Heartbeat wrongKey = CrashScenario.signedHeartbeat(CrashScenario.CRASHED, ++sequence, t);
      wrongKey.setKeyId(thief.keyId());
      BatchSignatures.sign(wrongKey, thief.privateKey());
      Heartbeat stranger = CrashScenario.signedHeartbeat("n9", ++sequence, t);
      written += 3;
      return List.of(unsigned, wrongKey, stranger);
    }
  }
}
