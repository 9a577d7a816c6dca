package dev.herald.bench.quality;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.herald.auditor.policy.AuditPolicy;
import dev.herald.bench.auditor.AuditorRun;
import dev.herald.bench.setup.BenchEnvironment;
import dev.herald.bench.setup.Preload;
import dev.herald.infra.demo.ScenarioPolicy;
import dev.herald.schema.AuditAlert;
import dev.herald.schema.ReportBatch;
import dev.herald.schema.StateChange;
import dev.herald.schema.Topics;
import dev.herald.schema.canonical.Hashing;
import dev.herald.schema.serde.AvroWireFormat;
import dev.herald.schema.serde.MalformedRecordException;
import dev.herald.schema.truth.ExpectedAlert;
import dev.herald.testsupport.DetectionScore;
import dev.herald.testsupport.TopicDrainer;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A detection-quality soak: preloads the benchmark's faulted traffic, reprocesses it with a fresh
 * auditor again and again, and scores every run against the ground truth, stopping at the first run
 * that misses a fault or raises an alert the truth does not have. Such a run's alerts, its ground
 * truth and every report of the entities concerned (partition, offset, batch, version, node, base
 * and state hash, operation) are printed and written to {@code --out}: a rare, timing-dependent
 * detection error leaves what is needed to turn it into a deterministic test.
 *
 * <pre>{@code
 * ./herald bench soak --events 200000 --minutes 60 --out soak.json
 * }</pre>
 *
 * Exit code 0: every run exact; 3: a run was not (details above and in {@code --out}); 1: the soak
 * itself failed.
 */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    description =
        "Reprocess the benchmark's faulted traffic with fresh auditors until a run is not exact"
            + " (docs/benchmarks.md).")
public final class QualitySoak implements Callable<Integer> {
  static final int NOT_EXACT = 3;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Option(
      names = "--events",
      defaultValue = "200000",
      description = "Simulator operations per preload (default ${DEFAULT-VALUE}).")
  long events;

  @Option(
      names = "--per-preload",
      defaultValue = "3",
      description = "Auditor runs over each preload before a fresh one (default ${DEFAULT-VALUE}).")
  int perPreload;

  @Option(
      names = "--runs",
      defaultValue = "0",
      description =
          "Stop after this many runs (0: only --minutes limits; default ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--minutes",
      defaultValue = "60",
      description = "Start no run after this many minutes (default ${DEFAULT-VALUE}).")
  double minutes;

  @Option(
      names = "--guarantee",
      defaultValue = "exactly_once_v2",
      description = "The auditor's processing guarantee (default ${DEFAULT-VALUE}).")
  String guarantee;

  @Option(names = "--out", description = "Where the summary (and a failed run's details) go, JSON.")
  Path out;

  @Option(
      names = "--work-dir",
      description = "Parent of the broker's and auditors' temporary directories (default: tmp).")
  Path workDir = Path.of(System.getProperty("java.io.tmpdir"));

  public static void main(String[] args) {
    System.exit(new CommandLine(new QualitySoak()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (events < 100 || perPreload < 1 || runs < 0 || !(minutes > 0)) {
      System.err.println(
          "soak: --events must be 100 or more, --per-preload 1 or more, --runs 0 or more and"
              + " --minutes above 0");
      return 2;
    }
    if (!guarantee.equals("exactly_once_v2") && !guarantee.equals("at_least_once")) {
      System.err.println("soak: --guarantee is exactly_once_v2 or at_least_once, not " + guarantee);
      return 2;
    }
    long deadline = System.nanoTime() + (long) (minutes * 60e9);
    List<Map<String, Object>> done = new ArrayList<>();
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("events per preload", events);
    summary.put("guarantee", guarantee);
    summary.put("runs", done);
    int run = 0;
    while (more(run, deadline)) {
      try (BenchEnvironment env = BenchEnvironment.start(workDir)) {
        Path truthFile = env.scratch("truth").resolve("truth.jsonl");
        Preload.Result preload = Preload.run(env, Preload.Plan.of(events, false), truthFile);
        AuditPolicy policy =
            ScenarioPolicy.assumedBy(preload.scenario(), ScenarioPolicy.BENCH_IN_FLIGHT);
        for (int k = 0; k < perPreload && more(run, deadline); k++) {
          run++;
          Map<TopicPartition, Long> before =
              TopicDrainer.mark(env.bootstrapServers(), Topics.ALERTS);
          long t0 = System.nanoTime();
          AuditorRun.reprocess(env, policy, guarantee, 1, null);
          List<AuditAlert> alerts = env.alertsSince(before);
          DetectionScore score = DetectionScore.ofEveryStatus(preload.truth(), alerts);
          double seconds = Math.round((System.nanoTime() - t0) / 1e8) / 10.0;
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("run", run);
          line.put("seconds", seconds);
          line.put("alerts", alerts.size());
          line.put("missed", score.missed().size());
          line.put("false positives", score.unexpected().size());
          done.add(line);
          System.out.printf(
              "soak run %d: %.1f s, %d alerts, %d missed, %d false positives%n",
              run, seconds, alerts.size(), score.missed().size(), score.unexpected().size());
          if (!score.perfect()) {
            summary.put("failed run", failure(env, preload.truth(), alerts, score));
            write(summary);
            return NOT_EXACT;
          }
        }
      }
    }
    System.out.printf("soak: %d runs, every one exact (precision = recall = 1.0)%n", run);
    write(summary);
    return 0;
  }

  private boolean more(int run, long deadline) {
    return (runs == 0 || run < runs) && System.nanoTime() < deadline;
  }

  /** What a run that was not exact leaves behind: printed, and returned for the JSON. */
  private static Map<String, Object> failure(
      BenchEnvironment env,
      List<ExpectedAlert> truth,
      List<AuditAlert> alerts,
      DetectionScore score) {
    Set<String> entities = entitiesOf(score.missed(), score.unexpected());
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("table", score.table());
    f.put("missed", score.missed().stream().map(String::valueOf).sorted().toList());
    f.put("false positives", score.unexpected().stream().map(String::valueOf).sorted().toList());
    f.put("entities", entities);
    List<String> theirAlerts = new ArrayList<>();
    for (AuditAlert a : alerts) {
      if (a.getEntityKey() != null && entities.contains(a.getGroup() + "/" + a.getEntityKey())) {
        theirAlerts.add(
            a.getType()
                + " "
                + a.getStatus()
                + " v"
                + a.getVersion()
                + " "
                + a.getNodes()
                + " id="
                + a.getAlertId()
                + ": "
                + a.getDetail());
      }
    }
    f.put("alerts of these entities", theirAlerts);
    List<String> theirTruth = new ArrayList<>();
    for (ExpectedAlert e : truth) {
      if (e.entityKey() != null && entities.contains(e.group() + "/" + e.entityKey())) {
        theirTruth.add(e.toJson());
      }
    }
    f.put("ground truth of these entities", theirTruth);
    AvroWireFormat<ReportBatch> format = new AvroWireFormat<>(ReportBatch.class, env.registry());
    List<String> reports = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r :
        TopicDrainer.readAll(env.bootstrapServers(), List.of(Topics.STATE_CHANGES))) {
      ReportBatch b;
      try {
        b = format.deserialize(r.topic(), r.value());
      } catch (MalformedRecordException | IllegalArgumentException e) {
        continue; // a junk record the preload injected: it names no entity
      }
      reports.addAll(reportsOf(entities, r.partition(), r.offset(), r.timestamp(), b));
    }
    f.put("reports of these entities", reports);
    System.out.println("soak: a run was not exact");
    System.out.print(score.table());
    theirAlerts.forEach(a -> System.out.println("  alert  " + a));
    theirTruth.forEach(t -> System.out.println("  truth  " + t));
    reports.forEach(r -> System.out.println("  report " + r));
    return f;
  }

  /** The entities ({@code group/entityKey}) that missed or unexpected identities name. */
  static Set<String> entitiesOf(
      Collection<ExpectedAlert.Identity> missed, Collection<ExpectedAlert.Identity> unexpected) {
    Set<String> out = new TreeSet<>();
    for (Collection<ExpectedAlert.Identity> ids : List.of(missed, unexpected)) {
      for (ExpectedAlert.Identity id : ids) {
        if (id.entityKey() != null) {
          out.add(id.group() + "/" + id.entityKey());
        }
      }
    }
    return out;
  }

  /**
   * One line per report of {@code entities} in batch {@code b}, read at {@code partition@offset}.
   */
  static List<String> reportsOf(
      Set<String> entities, int partition, long offset, long timestamp, ReportBatch b) {
    List<String> out = new ArrayList<>();
    List<StateChange> reports = b.getReports();
    for (int i = 0; i < reports.size(); i++) {
      StateChange sc = reports.get(i);
      if (entities.contains(sc.getGroup() + "/" + sc.getEntityKey())) {
        out.add(
            String.format(
                "p%d@%d ts=%d batch %s/%d [%d of %d]: %s/%s v%d node=%s base=%s state=%s op=%s"
                    + " eventTime=%d",
                partition,
                offset,
                timestamp,
                b.getNodeId(),
                b.getBatchSeq(),
                i,
                reports.size(),
                sc.getGroup(),
                sc.getEntityKey(),
                sc.getVersion(),
                sc.getNodeId(),
                shortHex(sc.getPrevStateHash()),
                shortHex(sc.getStateHash()),
                sc.getOpId(),
                sc.getEventTime().toEpochMilli()));
      }
    }
    return out;
  }

  private static String shortHex(ByteBuffer b) {
    String h = b == null ? "" : Hashing.hex(b);
    return h.isEmpty() ? "-" : h.substring(0, Math.min(12, h.length()));
  }

  private void write(Map<String, Object> summary) throws Exception {
    if (out != null) {
      Path parent = out.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      JSON.writeValue(out.toFile(), summary);
      System.out.println("soak: results written to " + out);
    }
  }
}
