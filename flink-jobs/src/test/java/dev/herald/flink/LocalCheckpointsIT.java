package dev.herald.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local MiniCluster environment {@code herald flink}, the demo and the benchmark run the jobs
 * in: its checkpoints must hold more state than the JobManager's heap storage accepts (5 MiB per
 * state), as a job catching up on a backlog buffers heartbeats. Found by the benchmark's Flink
 * stage at 2,000,000 operations: every checkpoint failed ("Asynchronous task checkpoint failed"),
 * the job restarted from the last small checkpoint, read the backlog again and failed again —
 * forever.
 */
@Tag("slow")
class LocalCheckpointsIT {
  private static final int RECORDS = 24;
  private static final int BYTES_PER_RECORD = 512 * 1024;

  @Test
  void aJobWhoseStateOutgrowsWhatTheJobManagerHoldsStillCheckpointsAndFinishes(@TempDir Path dir)
      throws Exception {
    // Given a local environment as herald flink and the demo make it, checkpointing every 200 ms,
    // and a bounded input of 24 records at 8 per second, each adding 512 KiB to one key's state
    // (12 MiB at the end, past the 5 MiB a checkpoint held by the JobManager may carry)
    StreamExecutionEnvironment env =
        HeraldFlinkMain.localEnvironment(1, new Configuration(), dir.resolve("checkpoints"));
    env.enableCheckpointing(200);
    DataGeneratorSource<Long> input =
        new DataGeneratorSource<>(i -> i, RECORDS, RateLimiterStrategy.perSecond(8), Types.LONG);
    env.fromSource(input, WatermarkStrategy.noWatermarks(), "input")
        .keyBy(x -> 0L)
        .process(new Hoard())
        .sinkTo(new DiscardingSink<>());

    // When
    JobClient job = env.executeAsync("state-past-the-jobmanager-limit");

    // Then it finishes (before: it restarted forever), having completed checkpoints of more
    // state than the JobManager would hold
    JobExecutionResult done = job.getJobExecutionResult().get(120, TimeUnit.SECONDS);
    assertThat(done.getJobID()).isEqualTo(job.getJobID());
    assertThat(Hoard.CHECKPOINTS_PAST_LIMIT.get()).isPositive();
  }

  /** Keeps {@value #BYTES_PER_RECORD} bytes of keyed state per record. */
  static final class Hoard extends KeyedProcessFunction<Long, Long, Long>
      implements CheckpointListener {
    /** Completed checkpoints taken while this subtask held more than 5 MiB (one JVM: a static). */
    static final AtomicInteger CHECKPOINTS_PAST_LIMIT = new AtomicInteger();

    private static final long JOB_MANAGER_LIMIT = 5L << 20;
    private transient ListState<byte[]> kept;
    private transient long held;

    @Override
    public void open(OpenContext context) {
      kept =
          getRuntimeContext()
              .getListState(
                  new ListStateDescriptor<>(
                      "kept", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement(Long value, Context ctx, Collector<Long> out) throws Exception {
      byte[] block = new byte[BYTES_PER_RECORD];
      block[0] = value.byteValue();
      kept.add(block);
      held += block.length;
      out.collect(value);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      if (held > JOB_MANAGER_LIMIT) {
        CHECKPOINTS_PAST_LIMIT.incrementAndGet();
      }
    }
  }
}
