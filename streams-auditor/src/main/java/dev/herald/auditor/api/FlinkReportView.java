package dev.herald.auditor.api;

import dev.herald.schema.AvailabilityWindow;
import dev.herald.schema.ConsistencyWindow;
import dev.herald.schema.RiskReport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the Flink jobs publish: the recent availability windows per scope ({@code
 * herald.availability.v1}), the latest risk report per group and window ({@code herald.risk.v1})
 * and the recent consistency windows per group ({@code herald.consistency.v1}). Bounded: at most
 * {@code windowsPerScope} windows per scope or group and {@code maxScopes} scopes, reports and
 * groups.
 *
 * <pre>{@code
 * FlinkReportView reports = new FlinkReportView(60, 1_000);
 * reports.availability(window);
 * List<AvailabilityWindow> recent = reports.availabilityWindows();
 * }</pre>
 */
public final class FlinkReportView {
  private final int windowsPerScope;
  private final int maxScopes;
  private final LinkedHashMap<String, Deque<AvailabilityWindow>> windows = new LinkedHashMap<>();
  private final LinkedHashMap<String, RiskReport> risk = new LinkedHashMap<>();
  private final LinkedHashMap<String, Deque<ConsistencyWindow>> consistency = new LinkedHashMap<>();

  public FlinkReportView(int windowsPerScope, int maxScopes) {
    this.windowsPerScope = windowsPerScope;
    this.maxScopes = maxScopes;
  }

  /** Records an availability window (a re-emitted window replaces the earlier one). */
  public synchronized void availability(AvailabilityWindow w) {
    String scope = w.getScope() + "/" + w.getScopeId();
    Deque<AvailabilityWindow> q = windows.remove(scope);
    if (q == null) {
      q = new ArrayDeque<>();
    }
    q.removeIf(old -> old.getWindowStart().equals(w.getWindowStart()));
    q.addLast(w);
    while (q.size() > windowsPerScope) {
      q.removeFirst();
    }
    windows.put(scope, q);
    trim(windows);
  }

  /** Records a risk report; the latest per group and window label wins. */
  public synchronized void risk(RiskReport r) {
    String key = r.getGroup() + "/" + r.getWindow();
    risk.remove(key);
    risk.put(key, r);
    trim(risk);
  }

  /** Records a group's consistency window (a re-emitted window replaces the earlier one). */
  public synchronized void consistency(ConsistencyWindow w) {
    String group = w.getGroup();
    Deque<ConsistencyWindow> q = consistency.remove(group);
    if (q == null) {
      q = new ArrayDeque<>();
    }
    q.removeIf(old -> old.getWindowStart().equals(w.getWindowStart()));
    q.addLast(w);
    while (q.size() > windowsPerScope) {
      q.removeFirst();
    }
    consistency.put(group, q);
    trim(consistency);
  }

  /** All held consistency windows, grouped by group, oldest first within a group. */
  public synchronized List<ConsistencyWindow> consistencyWindows() {
    List<ConsistencyWindow> out = new ArrayList<>();
    consistency.values().forEach(out::addAll);
    return out;
  }

  /** The latest consistency window of {@code group}, or null. */
  public synchronized ConsistencyWindow latestConsistency(String group) {
    Deque<ConsistencyWindow> q = consistency.get(group);
    return q == null || q.isEmpty() ? null : q.peekLast();
  }

  private <V> void trim(LinkedHashMap<String, V> map) {
    while (map.size() > maxScopes) {
      map.remove(map.keySet().iterator().next());
    }
  }

  /** All held availability windows, grouped by scope, oldest first within a scope. */
  public synchronized List<AvailabilityWindow> availabilityWindows() {
    List<AvailabilityWindow> out = new ArrayList<>();
    windows.values().forEach(out::addAll);
    return out;
  }

  /** The latest risk report per group and window. */
  public synchronized List<RiskReport> riskReports() {
    return new ArrayList<>(risk.values());
  }

  synchronized Map<String, Integer> sizes() {
    return Map.of(
        "availabilityScopes",
        windows.size(),
        "riskReports",
        risk.size(),
        "consistencyGroups",
        consistency.size());
  }
}
