package dev.herald.bench.setup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.bench.throughput.TopicDrain;
import dev.herald.schema.Topics;
import dev.herald.testsupport.TopicDrainer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preload cache on a real in-process broker: a second run gets the very same input (every
 * record of the input topic at the same partition, offset and timestamp, verifying against the
 * restored registry and node keys) and the same ground truth, without preloading; the saved broker
 * is never written to; an entry that is too old or damaged is made again.
 */
@Tag("slow")
class PreloadCacheIT {
  private static final Preload.Plan PLAN = Preload.Plan.of(1_000, false, 20);

  @Test
  void aSecondRunRestoresTheSameInputAndTruthWithoutPreloading(@TempDir Path dir) throws Exception {
    // Given
    PreloadCache cache = new PreloadCache(dir.resolve("cache"));
    Path work = dir.resolve("work");
    String firstInput;
    TopicDrain.Result firstVerified;
    PreloadCache.Opened first = cache.open(work, PLAN);
    try (first) {
      firstInput = inputDigest(first.env());
      firstVerified = TopicDrain.verifying(first.env().bootstrapServers(), first.env().registry());
    }
    String savedTree = treeDigest(first.entry().resolve(PreloadCache.BROKER));

    // When
    PreloadCache.Opened second = cache.open(work, PLAN);
    String secondInput;
    TopicDrain.Result secondVerified;
    try (second) {
      secondInput = inputDigest(second.env());
      secondVerified =
          TopicDrain.verifying(second.env().bootstrapServers(), second.env().registry());
    }

    // Then
    assertThat(first.fromCache()).isFalse();
    assertThat(second.fromCache()).isTrue();
    assertThat(second.entry()).isEqualTo(first.entry());
    assertThat(second.created()).isEqualTo(first.created());
    assertThat(secondInput).isEqualTo(firstInput);
    assertThat(firstVerified.verified()).isPositive();
    assertThat(firstVerified.reports()).isPositive();
    assertThat(secondVerified.verified()).isEqualTo(firstVerified.verified());
    assertThat(secondVerified.reports()).isEqualTo(firstVerified.reports());
    assertThat(secondVerified.rejected()).isEqualTo(firstVerified.rejected());
    assertThat(second.preload().truth()).isNotEmpty().isEqualTo(first.preload().truth());
    assertThat(second.preload().summary()).isEqualTo(first.preload().summary());
    assertThat(treeDigest(second.entry().resolve(PreloadCache.BROKER))).isEqualTo(savedTree);
  }

  @Test
  void anEntryOlderThanTheInputRetentionOrDamagedIsMadeAgain(@TempDir Path dir) throws Exception {
    // Given
    Path root = dir.resolve("cache");
    Path work = dir.resolve("work");
    PreloadCache.Opened made = new PreloadCache(root).open(work, PLAN);
    made.close();
    Clock later =
        Clock.fixed(
            made.created().plus(PreloadCache.MAX_AGE).plus(Duration.ofMinutes(1)), ZoneOffset.UTC);

    // When: too old
    PreloadCache.Opened afterSixDays = new PreloadCache(root, later).open(work, PLAN);
    afterSixDays.close();
    // When: the manifest damaged
    Files.writeString(
        afterSixDays.entry().resolve(PreloadCache.MANIFEST), "{\"format\": 1, \"plan\": ");
    PreloadCache.Opened afterDamage = new PreloadCache(root, later).open(work, PLAN);
    afterDamage.close();
    // When: a manifest that parses but whose creation time does not
    Path manifest = afterDamage.entry().resolve(PreloadCache.MANIFEST);
    Files.writeString(
        manifest,
        Files.readString(manifest)
            .replace(afterDamage.created().toString(), "yesterday around noon"));
    PreloadCache.Opened afterBadTime = new PreloadCache(root, later).open(work, PLAN);
    afterBadTime.close();
    // When: a truth line that is not an expected alert
    Files.writeString(afterBadTime.entry().resolve(PreloadCache.TRUTH), "{\"not\": \"an alert\"\n");
    PreloadCache.Opened afterBadTruth = new PreloadCache(root, later).open(work, PLAN);
    afterBadTruth.close();
    PreloadCache.Opened reused = new PreloadCache(root, later).open(work, PLAN);
    reused.close();

    // Then
    assertThat(made.fromCache()).isFalse();
    assertThat(afterSixDays.fromCache()).isFalse();
    assertThat(afterSixDays.created()).isEqualTo(later.instant());
    assertThat(afterDamage.fromCache()).isFalse();
    assertThat(afterBadTime.fromCache()).isFalse();
    assertThat(afterBadTruth.fromCache()).isFalse();
    assertThat(reused.fromCache()).isTrue();
    assertThat(reused.preload().truth()).isNotEmpty();
    try (Stream<Path> entries = Files.list(root)) {
      assertThat(entries).containsExactly(made.entry());
    }
  }

  /** Every record of the input topic: partition, offset, timestamp, key and value. */
  private static String inputDigest(BenchEnvironment env) throws NoSuchAlgorithmException {
    List<ConsumerRecord<byte[], byte[]>> records =
        TopicDrainer.readAll(env.bootstrapServers(), List.of(Topics.STATE_CHANGES));
    assertThat(records).isNotEmpty();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    records.stream()
        .sorted(
            (a, b) ->
                a.partition() != b.partition()
                    ? Integer.compare(a.partition(), b.partition())
                    : Long.compare(a.offset(), b.offset()))
        .forEach(
            r -> {
              sha.update(
                  ByteBuffer.allocate(20)
                      .putInt(r.partition())
                      .putLong(r.offset())
                      .putLong(r.timestamp())
                      .array());
              sha.update(r.key() == null ? new byte[0] : r.key());
              sha.update(r.value() == null ? new byte[0] : r.value());
            });
    return records.size() + ":" + HexFormat.of().formatHex(sha.digest());
  }

  /** Every file under {@code dir}: its path, size and content. */
  private static String treeDigest(Path dir) throws IOException, NoSuchAlgorithmException {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted()::iterator) {
        sha.update(dir.relativize(p).toString().getBytes(StandardCharsets.UTF_8));
        if (Files.isRegularFile(p)) {
          sha.update(Files.readAllBytes(p));
        }
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}
