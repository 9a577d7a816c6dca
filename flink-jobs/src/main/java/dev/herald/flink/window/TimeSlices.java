package dev.herald.flink.window;

import dev.herald.flink.io.Inbound;
import dev.herald.flink.io.InboundRouter;
import dev.herald.flink.io.Rejection;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The stage both jobs share: route the inbound stream, and turn heartbeats into per-node liveness
 * slices.
 *
 * @param slices one {@link NodeSlice} per node and window
 * @param alerts on-time alerts
 * @param rejected undecodable and unverifiable records, late or refused heartbeats, late alerts
 */
public record TimeSlices(
    DataStream<NodeSlice> slices, DataStream<Inbound> alerts, DataStream<Rejection> rejected) {

  /** Builds the shared stage on an already watermarked inbound stream. */
  public static TimeSlices of(
      DataStream<Inbound> inbound, String job, long windowMs, long silenceMs, long forgetAfterMs) {
    return of(
        inbound,
        job,
        windowMs,
        silenceMs,
        forgetAfterMs,
        NodeLivenessFunction.DEFAULT_MAX_BEATS_PER_WINDOW);
  }

  /** Builds the shared stage, keeping at most {@code maxBeatsPerWindow} per node and window. */
  public static TimeSlices of(
      DataStream<Inbound> inbound,
      String job,
      long windowMs,
      long silenceMs,
      long forgetAfterMs,
      int maxBeatsPerWindow) {
    SingleOutputStreamOperator<Inbound> heartbeats =
        inbound.process(new InboundRouter()).name(job + "-route").uid(job + "-route");
    SingleOutputStreamOperator<NodeSlice> slices =
        heartbeats
            .keyBy(in -> in.heartbeat().nodeId())
            .process(
                new NodeLivenessFunction(windowMs, silenceMs, forgetAfterMs, maxBeatsPerWindow))
            .name(job + "-node-liveness")
            .uid(job + "-node-liveness");
    DataStream<Rejection> rejected =
        heartbeats
            .getSideOutput(InboundRouter.REJECTED)
            .union(
                slices.getSideOutput(NodeLivenessFunction.LATE),
                slices.getSideOutput(NodeLivenessFunction.REFUSED));
    return new TimeSlices(slices, heartbeats.getSideOutput(InboundRouter.ALERTS), rejected);
  }
}
