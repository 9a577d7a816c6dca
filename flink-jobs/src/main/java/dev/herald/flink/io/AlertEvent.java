package dev.herald.flink.io;

import java.util.List;

/**
 * A decoded auditor alert, reduced to what the availability and risk figures need.
 *
 * @param alertId deterministic alert id
 * @param type alert type name, e.g. {@code EQUIVOCATION}
 * @param severity severity name
 * @param open whether this record opens the alert (RESOLVED updates are not counted again)
 * @param group the replication group, empty for node-level alerts
 * @param nodes the nodes it blames
 * @param eventTime when the auditor detected it ({@code detectedAt}), epoch millis
 */
public record AlertEvent(
    String alertId,
    String type,
    String severity,
    boolean open,
    String group,
    List<String> nodes,
    long eventTime) {}
