package dev.herald.producer.simulator;

import dev.herald.schema.truth.ExpectedAlert;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Where each injected fault is written, as it is injected: a list in memory, a JSON-lines file
 * (flushed per line, so a crashed run keeps what it injected) and the ground-truth topic (key =
 * fault id).
 */
final class GroundTruthSink implements AutoCloseable {
  private final List<ExpectedAlert> lines = new ArrayList<>();
  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final BufferedWriter file;

  GroundTruthSink(Producer<byte[], byte[]> producer, String topic, Path file) {
    this.producer = producer;
    this.topic = topic;
    try {
      this.file = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the ground truth to " + file, e);
    }
  }

  synchronized void add(ExpectedAlert line) {
    lines.add(line);
    String json = line.toJson();
    producer.send(
        new ProducerRecord<>(
            topic,
            line.faultId().getBytes(StandardCharsets.UTF_8),
            json.getBytes(StandardCharsets.UTF_8)));
    if (file != null) {
      try {
        file.write(json);
        file.newLine();
        file.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the ground truth file", e);
      }
    }
  }

  synchronized List<ExpectedAlert> lines() {
    return List.copyOf(lines);
  }

  @Override
  public synchronized void close() throws IOException {
    if (file != null) {
      file.close();
    }
  }
}
