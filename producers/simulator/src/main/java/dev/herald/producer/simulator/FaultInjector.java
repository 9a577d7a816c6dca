package dev.herald.producer.simulator;

import java.time.Duration;
import java.util.List;

/**
 * Injects one kind of fault into the {@link Fleet}: one implementation per {@link FaultType}
 * ({@link #of}), each stating the alert it must raise. The {@link Simulator}'s run loop decides
 * when; an injector decides how, and may say it cannot yet (and why), in which case the fault is
 * rescheduled.
 */
interface FaultInjector {

  /** Injects the fault now, or says why it cannot yet. */
  Injection inject(Fleet fleet, long faultNumber);

  /** What an injection did. */
  sealed interface Injection permits Injected, NotYet {}

  /**
   * The fault is in: the alert it must raise (by the identity rules of {@code ExpectedAlert}), and
   * for a window fault the window now open.
   */
  record Injected(
      String group, String entityKey, Long version, List<String> nodes, OpenWindow window)
      implements Injection {
    public Injected {
      nodes = List.copyOf(nodes);
    }

    /** A per-version fault at (group, entity, version). */
    static Injected at(String group, String entityKey, long version, List<String> nodes) {
      return new Injected(group, entityKey, version, nodes, null);
    }

    /** An episode of a group's nodes, or (group empty) a node-level fault. */
    static Injected of(String group, List<String> nodes) {
      return new Injected(group, null, null, nodes, null);
    }
  }

  /** The fault cannot be injected yet (e.g. no account is open yet); retried later. */
  record NotYet(String reason) implements Injection {}

  /**
   * A window fault in progress: it may pause a group's honest operations, hold back a node's
   * reports, act at every event (a flood); the run loop ends it once {@link #events()} events have
   * run and {@link #length()} has passed (a catch-up burst of the pacer must not shorten it).
   */
  interface OpenWindow {
    /** The window as it began (end null). */
    FaultWindow window();

    /** How many events the window lasts. */
    long events();

    /** How long the window lasts at least, by the clock. */
    Duration length();

    /** Whether the group applies no honest operation while the window lasts. */
    default boolean pauses(String group) {
      return false;
    }

    /** Whether the node's honest reports are held back (sent when the window ends). */
    default boolean holds(String nodeId) {
      return false;
    }

    /** Keeps a held-back report until the window ends. */
    default void hold(Runnable send) {
      throw new IllegalStateException(window().type() + " holds no reports");
    }

    /** Runs at every event while the window lasts. */
    default void step() {}

    /** Ends the window (the node catches up, or speaks again) and returns it with its end. */
    FaultWindow end();
  }

  /** The injector of a fault type. */
  static FaultInjector of(FaultType type) {
    return switch (type) {
      case DIVERGENCE -> new VersionFaults.Divergence();
      case PARTITION -> new VersionFaults.Partition();
      case EQUIVOCATION -> new VersionFaults.Equivocation();
      case FORK -> new VersionFaults.Fork();
      case DOUBLE_SPEND -> new VersionFaults.DoubleSpend();
      case DUPLICATE_APPLY -> new VersionFaults.DuplicateApply();
      case FORGERY -> new ReporterFaults.Forgery();
      case UNREGISTERED -> new ReporterFaults.Unregistered();
      case NON_MEMBER -> new ReporterFaults.NonMember();
      case LAG -> new WindowFaults.Lag();
      case SILENT -> new WindowFaults.Silent();
      case FLOOD -> new WindowFaults.Flood();
      case CONFUSABLE_ID -> new RegistryFaults.ConfusableId();
      case IDENTITY_CONFLICT -> new RegistryFaults.IdentityConflict();
      case BENIGN_DUPLICATE -> new RecordFaults.BenignDuplicate();
      case MALFORMED -> new RecordFaults.Malformed();
    };
  }
}
