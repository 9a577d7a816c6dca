package dev.herald.auditor.api;

import dev.herald.auditor.identity.NodeHistory;
import java.util.Optional;

/**
 * The key history of nodes ({@code herald.nodes.v1} read from its beginning): every key a node had,
 * with the interval it was valid, and every status change, so evidence is checked against the key
 * the node had when the evidence was written.
 *
 * <pre>{@code
 * Optional<NodeHistory.KeySpan> key =
 *     keys.history("node-a").flatMap(h -> h.span(batch.getKeyId(), brokerTime));
 * }</pre>
 */
@FunctionalInterface
public interface KeyDirectory {
  /** The registry history of {@code nodeId}; empty when it was never registered. */
  Optional<NodeHistory> history(String nodeId);
}
