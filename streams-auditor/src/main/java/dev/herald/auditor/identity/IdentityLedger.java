package dev.herald.auditor.identity;

import com.ibm.icu.text.Normalizer2;
import com.ibm.icu.text.SpoofChecker;
import dev.herald.auditor.detect.Finding;
import dev.herald.schema.AlertType;
import dev.herald.schema.id.Identifiers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The identity alerts of each registry record, as a pure function of what {@link RegistryRules}
 * decided and an index of the names seen so far (the {@code herald-identities} store):
 *
 * <ul>
 *   <li>{@code IDENTITY_CONFLICT}: a quarantined registration (one key under two ids, another key
 *       without a signed rotation, a rotation back to a retired key);
 *   <li>{@code CONFUSABLE_IDENTITY}: a node id or display name that looks like another node's — UTS
 *       #39 skeletons (ICU4J {@link SpoofChecker}) of the names after NFKC case folding, which also
 *       drops invisible (default-ignorable) characters, so {@code Node-1}, {@code node-1} + U+200B,
 *       {@code node-l} and a Cyrillic twin all collide with {@code node-1}; and a display name that
 *       mixes scripts beyond ICU's moderately restrictive level or hides invisible characters;
 *   <li>{@code NODE_STATUS_CHANGED}, {@code NODE_REACTIVATED}, {@code NODE_DELETED}: every change
 *       of a node's status, every reactivation and every tombstone;
 *   <li>{@code INVALID_REGISTRATION}: a record the registry rejected (its key is not its node id,
 *       an id breaking the rule, a weak key) — unless the invalid id imitates a registered one,
 *       which is the {@code CONFUSABLE_IDENTITY} it is meant to be.
 * </ul>
 *
 * <pre>{@code
 * List<Finding> found = IdentityLedger.judge(decision, skeletonIndex, streamTime);
 * }</pre>
 */
public final class IdentityLedger {
  private static final SpoofChecker SKELETONS = new SpoofChecker.Builder().build();
  private static final SpoofChecker RESTRICTED =
      new SpoofChecker.Builder()
          .setChecks(
              SpoofChecker.RESTRICTION_LEVEL
                  | SpoofChecker.INVISIBLE
                  | SpoofChecker.MIXED_NUMBERS
                  | SpoofChecker.HIDDEN_OVERLAY)
          .setRestrictionLevel(SpoofChecker.RestrictionLevel.MODERATELY_RESTRICTIVE)
          .build();
  private static final Normalizer2 CASE_FOLD = Normalizer2.getNFKCCasefoldInstance();

  private IdentityLedger() {}

  /** The names seen so far: skeleton → the node that first used it. */
  public interface Skeletons {
    Optional<String> owner(String skeleton);

    void put(String skeleton, String nodeId);
  }

  /**
   * The skeleton two confusable names share: NFKC case folding (which also removes invisible,
   * default-ignorable characters such as U+200B), then the UTS #39 skeleton.
   */
  public static String skeleton(String name) {
    return SKELETONS.getSkeleton(fold(name));
  }

  /** NFKC case folding: lower case, compatibility forms unified, invisible characters dropped. */
  public static String fold(String name) {
    return CASE_FOLD.normalize(name);
  }

  /**
   * Why a display name is suspicious on its own (scripts mixed beyond ICU's moderately restrictive
   * level, invisible characters, digits of several systems), or null.
   */
  public static String suspiciousName(String name) {
    SpoofChecker.CheckResult result = new SpoofChecker.CheckResult();
    if (name == null || !RESTRICTED.failsChecks(name, result)) {
      return null;
    }
    List<String> why = new ArrayList<>();
    if ((result.checks & SpoofChecker.RESTRICTION_LEVEL) != 0) {
      why.add("mixes scripts (" + result.restrictionLevel + ")");
    }
    if ((result.checks & SpoofChecker.INVISIBLE) != 0) {
      why.add("hides invisible characters");
    }
    if ((result.checks & SpoofChecker.MIXED_NUMBERS) != 0) {
      why.add("mixes digits of several numbering systems");
    }
    if ((result.checks & SpoofChecker.HIDDEN_OVERLAY) != 0) {
      why.add("hides a character under an overlay");
    }
    return why.isEmpty() ? "fails ICU's spoof checks" : String.join(", ", why);
  }

  /** The identity alerts of one decision; records the names it introduces in {@code skeletons}. */
  public static List<Finding> judge(
      RegistryRules.Decision decision, Skeletons skeletons, long now) {
    List<Finding> out = new ArrayList<>();
    if (decision instanceof RegistryRules.Quarantined q) {
      out.add(open(AlertType.IDENTITY_CONFLICT, q.nodes(), q.detail(), now, Map.of()));
    } else if (decision instanceof RegistryRules.Rejected r) {
      rejected(r, skeletons, now, out);
    } else if (decision instanceof RegistryRules.Applied a) {
      applied(a, skeletons, now, out);
    }
    return out;
  }

  private static void rejected(
      RegistryRules.Rejected r, Skeletons skeletons, long now, List<Finding> out) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("reason", r.reason());
    if (r.reason().equals("INVALID_ID") && r.nodeId() != null && !r.nodeId().isEmpty()) {
      Optional<String> twin = skeletons.owner(skeleton(r.nodeId()));
      if (twin.isPresent() && !twin.get().equals(r.nodeId())) {
        out.add(
            open(
                AlertType.CONFUSABLE_IDENTITY,
                List.of(r.nodeId(), twin.get()),
                "a registration of '"
                    + Identifiers.printable(r.nodeId())
                    + "', visually confusable with node "
                    + twin.get()
                    + ", was rejected: "
                    + r.detail(),
                now,
                attrs));
        return;
      }
    }
    String node = r.nodeId() == null ? "" : r.nodeId();
    out.add(
        Finding.episode(
            AlertType.INVALID_REGISTRATION,
            "",
            node,
            "registry record rejected (" + r.reason() + "): " + r.detail(),
            now,
            now,
            attrs,
            List.of()));
  }

  private static void applied(
      RegistryRules.Applied a, Skeletons skeletons, long now, List<Finding> out) {
    String id = a.history().nodeId();
    NodeHistory.Entry e = a.entry();
    RegisteredNode before = a.before();
    Map<String, String> attrs = new LinkedHashMap<>();
    if (e.offset() >= 0) {
      attrs.put("registryOffset", Long.toString(e.offset()));
    }
    switch (e.change()) {
      case REGISTERED -> confusables(id, List.of(id, e.displayName()), skeletons, now, out);
      case STATUS_CHANGED -> {
        attrs.put("from", before.status().name());
        attrs.put("to", e.status().name());
        out.add(
            Finding.episode(
                AlertType.NODE_STATUS_CHANGED,
                "",
                id,
                "node " + id + " changed status " + before.status() + " -> " + e.status(),
                e.at(),
                now,
                attrs,
                List.of()));
      }
      case REACTIVATED -> {
        attrs.put("from", before == null ? "DELETED" : before.status().name());
        out.add(
            Finding.episode(
                AlertType.NODE_REACTIVATED,
                "",
                id,
                "node "
                    + id
                    + " was made ACTIVE again after being "
                    + (before == null ? "deleted" : before.status()),
                e.at(),
                now,
                attrs,
                List.of()));
        if (before != null && !before.displayName().equals(e.displayName())) {
          confusables(id, List.of(e.displayName()), skeletons, now, out);
        }
      }
      case DELETED ->
          out.add(
              Finding.episode(
                  AlertType.NODE_DELETED,
                  "",
                  id,
                  "node "
                      + id
                      + " was deleted from the registry (a tombstone); its history is kept and"
                      + " its reports are those of an unregistered node from now on",
                  e.at(),
                  now,
                  attrs,
                  List.of()));
      case UPDATED -> {
        if (before != null && !before.displayName().equals(e.displayName())) {
          confusables(id, List.of(e.displayName()), skeletons, now, out);
        }
      }
      case ROTATED -> {}
    }
  }

  /** CONFUSABLE_IDENTITY for names of {@code id} that look like another node's. */
  private static void confusables(
      String id, List<String> names, Skeletons skeletons, long now, List<Finding> out) {
    boolean found = false;
    for (String name : names) {
      if (name == null || name.isEmpty()) {
        continue;
      }
      String skel = skeleton(name);
      Optional<String> other = skeletons.owner(skel);
      if (other.isPresent() && !other.get().equals(id)) {
        boolean already =
            out.stream()
                .anyMatch(
                    f ->
                        f.type() == AlertType.CONFUSABLE_IDENTITY
                            && f.nodes().contains(other.get()));
        if (!already) {
          found = true;
          out.add(
              open(
                  AlertType.CONFUSABLE_IDENTITY,
                  List.of(id, other.get()),
                  "'"
                      + Identifiers.printable(name)
                      + "' of node "
                      + id
                      + " is visually confusable with node "
                      + other.get(),
                  now,
                  Map.of()));
        }
      } else if (other.isEmpty()) {
        skeletons.put(skel, id);
      }
    }
    if (found) {
      return;
    }
    for (String name : names) {
      String why = name == null || name.equals(id) ? null : suspiciousName(name);
      if (why != null) {
        out.add(
            open(
                AlertType.CONFUSABLE_IDENTITY,
                List.of(id),
                "the display name '" + Identifiers.printable(name) + "' of node " + id + " " + why,
                now,
                Map.of()));
        return;
      }
    }
  }

  private static Finding open(
      AlertType type, List<String> nodes, String detail, long now, Map<String, String> attrs) {
    return new Finding(
        Finding.Kind.OPEN, type, "", null, null, nodes, null, detail, now, now, attrs, List.of());
  }
}
