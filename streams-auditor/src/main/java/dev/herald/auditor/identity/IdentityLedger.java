package dev.herald.auditor.identity;

import com.ibm.icu.text.SpoofChecker;
import dev.herald.auditor.detect.Finding;
import dev.herald.schema.AlertType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * IDENTITY_CONFLICT and CONFUSABLE_IDENTITY over the stream of registrations, as a pure function
 * over a key-value view of what was registered before (the {@code herald-identities} store).
 *
 * <p>Entries of the view: {@code node:<id>} → the node, {@code key:<hex>} → node id, {@code
 * skel:<skeleton>} → node id (for node ids and display names, UTS #39 skeletons from ICU4J's {@link
 * SpoofChecker}).
 *
 * <pre>{@code
 * List<Finding> found = IdentityLedger.register(view, RegisteredNode.of(record), streamTime);
 * }</pre>
 */
public final class IdentityLedger {
  private static final SpoofChecker SPOOF = new SpoofChecker.Builder().build();

  private IdentityLedger() {}

  /** What {@link #register} reads and writes. */
  public interface View {
    Optional<RegisteredNode> node(String nodeId);

    Optional<String> nodeOfKey(String publicKeyHex);

    Optional<String> nodeOfSkeleton(String skeleton);

    void putNode(RegisteredNode node);

    void putKey(String publicKeyHex, String nodeId);

    void putSkeleton(String skeleton, String nodeId);
  }

  /** The TR39 skeleton of a name (confusable names have equal skeletons). */
  public static String skeleton(String name) {
    return SPOOF.getSkeleton(name);
  }

  /** Records a registration and returns the identity alerts it raises. */
  public static List<Finding> register(View view, RegisteredNode node, long now) {
    List<Finding> findings = new ArrayList<>();
    String id = node.nodeId();
    Optional<RegisteredNode> before = view.node(id);
    if (before.isPresent()
        && !before.get().publicKeyHex().equals(node.publicKeyHex())
        && !before.get().publicKeyHex().equals(node.rotatesFromHex())) {
      findings.add(
          alert(
              AlertType.IDENTITY_CONFLICT,
              List.of(id),
              "node " + id + " was re-registered with another key and no rotation from its key",
              now));
    }
    Optional<String> keyOwner = view.nodeOfKey(node.publicKeyHex());
    if (keyOwner.isPresent() && !keyOwner.get().equals(id)) {
      findings.add(
          alert(
              AlertType.IDENTITY_CONFLICT,
              List.of(id, keyOwner.get()),
              "one key is registered under two node ids: " + keyOwner.get() + " and " + id,
              now));
    }
    for (String name : List.of(id, node.displayName())) {
      if (name == null || name.isEmpty()) {
        continue;
      }
      String skel = skeleton(name);
      Optional<String> other = view.nodeOfSkeleton(skel);
      if (other.isPresent() && !other.get().equals(id)) {
        boolean alreadyFound =
            findings.stream()
                .anyMatch(
                    f ->
                        f.type() == AlertType.CONFUSABLE_IDENTITY
                            && f.nodes().contains(other.get()));
        if (!alreadyFound) {
          findings.add(
              alert(
                  AlertType.CONFUSABLE_IDENTITY,
                  List.of(id, other.get()),
                  "'"
                      + name
                      + "' of node "
                      + id
                      + " is visually confusable with node "
                      + other.get(),
                  now));
        }
      } else if (other.isEmpty()) {
        view.putSkeleton(skel, id);
      }
    }
    view.putNode(node);
    if (keyOwner.isEmpty()) {
      view.putKey(node.publicKeyHex(), id);
    }
    return findings;
  }

  private static Finding alert(AlertType type, List<String> nodes, String detail, long now) {
    return new Finding(
        Finding.Kind.OPEN,
        type,
        "",
        null,
        null,
        nodes,
        null,
        detail,
        now,
        now,
        Map.of(),
        List.of());
  }
}
