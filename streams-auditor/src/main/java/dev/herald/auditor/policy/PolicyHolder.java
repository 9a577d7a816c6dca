package dev.herald.auditor.policy;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auditor's current policy, replaceable while it runs. {@link #reload(Path)} validates the new
 * file with {@link PolicyLoader}: a valid one replaces the policy and logs every key that changed,
 * an invalid one is refused with the loader's reason (line and key) and the current policy stays.
 * Code that reads {@link #get()} per record or punctuation sees a reload at once; code that took
 * the policy at start keeps the old one until it adopts the holder.
 *
 * <pre>{@code
 * PolicyHolder policies = new PolicyHolder(PolicyLoader.load(file));
 * PolicyHolder.Reload r = policies.reload(file);   // e.g. on SIGHUP
 * GroupPolicy g = policies.get().group("payments");
 * }</pre>
 */
public final class PolicyHolder implements Supplier<AuditPolicy> {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyHolder.class);

  /** What a reload did. */
  public sealed interface Reload permits Applied, Unchanged, Refused {}

  /** The new policy is in force; {@code changes} name each changed key, old → new. */
  public record Applied(List<String> changes) implements Reload {}

  /** The file holds the policy already in force. */
  public record Unchanged() implements Reload {}

  /** The file is invalid; the policy in force stays. */
  public record Refused(String reason) implements Reload {}

  private final AtomicReference<AuditPolicy> current;
  private final List<Consumer<AuditPolicy>> listeners = new CopyOnWriteArrayList<>();

  public PolicyHolder(AuditPolicy initial) {
    current = new AtomicReference<>(Objects.requireNonNull(initial, "initial policy"));
  }

  @Override
  public AuditPolicy get() {
    return current.get();
  }

  /** Calls {@code listener} with each new policy after a reload applied it. */
  public void onChange(Consumer<AuditPolicy> listener) {
    listeners.add(listener);
  }

  /** Reads, validates and applies {@code file}; never throws for a bad file. */
  public synchronized Reload reload(Path file) {
    AuditPolicy next;
    try {
      next = PolicyLoader.load(file);
    } catch (RuntimeException e) {
      LOG.warn(
          "policy reload refused file={}: {}; the current policy stays in force",
          file,
          e.getMessage());
      return new Refused(e.getMessage());
    }
    AuditPolicy previous = current.get();
    List<String> changes = diff(previous, next);
    if (changes.isEmpty()) {
      LOG.info("policy reload: no change file={}", file);
      return new Unchanged();
    }
    current.set(next);
    LOG.info("policy reloaded file={} changes={}", file, String.join("; ", changes));
    for (Consumer<AuditPolicy> l : listeners) {
      try {
        l.accept(next);
      } catch (RuntimeException e) {
        LOG.warn("policy listener failed: {}", e.toString());
      }
    }
    return new Applied(changes);
  }

  /** Each key that differs, as {@code groups.payments.reportGrace: PT2S -> PT5S}. */
  public static List<String> diff(AuditPolicy a, AuditPolicy b) {
    List<String> out = new ArrayList<>();
    if (a.maxRecordBytes() != b.maxRecordBytes()) {
      out.add("maxRecordBytes: " + a.maxRecordBytes() + " -> " + b.maxRecordBytes());
    }
    diffGroup("defaults", a.defaults(), b.defaults(), out);
    TreeSet<String> names = new TreeSet<>(a.groups().keySet());
    names.addAll(b.groups().keySet());
    for (String g : names) {
      GroupPolicy x = a.groups().get(g);
      GroupPolicy y = b.groups().get(g);
      if (x == null) {
        out.add("groups." + g + ": added");
        diffGroup("groups." + g, b.defaults(), y, out);
      } else if (y == null) {
        out.add("groups." + g + ": removed (the defaults apply)");
      } else {
        diffGroup("groups." + g, x, y, out);
      }
    }
    return out;
  }

  private static void diffGroup(String prefix, GroupPolicy x, GroupPolicy y, List<String> out) {
    for (RecordComponent c : GroupPolicy.class.getRecordComponents()) {
      try {
        Object vx = c.getAccessor().invoke(x);
        Object vy = c.getAccessor().invoke(y);
        if (!Objects.equals(vx, vy)) {
          out.add(prefix + "." + c.getName() + ": " + vx + " -> " + vy);
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
