package dev.herald.auditor.policy;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Reloads the policy file into a {@link PolicyHolder} when it changes on disk (its directory is
 * watched, so editors that write a new file and rename it, and Kubernetes ConfigMap updates that
 * swap a symlink, are seen too) and on {@code SIGHUP}, as daemons do. Changes are debounced by half
 * a second so one save is one reload.
 *
 * <pre>{@code
 * try (PolicyWatcher w = PolicyWatcher.start(holder, Path.of("policy.yaml"))) { ... }
 * }</pre>
 */
public final class PolicyWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyWatcher.class);

  private final PolicyHolder holder;
  private final Path file;
  private final Consumer<PolicyHolder.Reload> report;
  private final WatchService watch;
  private final Thread thread;

  private PolicyWatcher(PolicyHolder holder, Path file, Consumer<PolicyHolder.Reload> report)
      throws IOException {
    this.holder = holder;
    this.report = report;
    this.file = file.toAbsolutePath();
    this.watch = FileSystems.getDefault().newWatchService();
    this.file
        .getParent()
        .register(
            watch,
            StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_MODIFY,
            StandardWatchEventKinds.ENTRY_DELETE);
    this.thread = new Thread(this::run, "herald-policy-watch");
    this.thread.setDaemon(true);
  }

  /** Watches {@code file}; with {@code onSighup}, {@code kill -HUP <pid>} reloads it as well. */
  public static PolicyWatcher start(PolicyHolder holder, Path file, boolean onSighup)
      throws IOException {
    return start(holder, file, onSighup, r -> {});
  }

  /**
   * As {@link #start(PolicyHolder, Path, boolean)}, handing each reload's outcome to {@code
   * report}.
   */
  public static PolicyWatcher start(
      PolicyHolder holder, Path file, boolean onSighup, Consumer<PolicyHolder.Reload> report)
      throws IOException {
    PolicyWatcher w = new PolicyWatcher(holder, file, report);
    w.thread.start();
    if (onSighup) {
      try {
        Signal.handle(
            new Signal("HUP"),
            sig -> {
              LOG.info("SIGHUP: reloading the policy file={}", w.file);
              w.reload();
            });
      } catch (IllegalArgumentException e) {
        LOG.warn("SIGHUP cannot be handled on this platform ({}); the file watch still works", e);
      }
    }
    LOG.info("watching the policy file for changes file={}", w.file);
    return w;
  }

  private void run() {
    try {
      while (true) {
        WatchKey key = watch.take();
        boolean ours = false;
        for (WatchEvent<?> e : key.pollEvents()) {
          Object ctx = e.context();
          // a ConfigMap volume swaps the "..data" symlink, not the file itself
          ours |=
              e.kind() == StandardWatchEventKinds.OVERFLOW
                  || ctx instanceof Path p
                      && (p.equals(file.getFileName()) || p.toString().startsWith(".."));
        }
        key.reset();
        if (ours) {
          // debounce: an editor's save is several events
          WatchKey more;
          while ((more = watch.poll(500, TimeUnit.MILLISECONDS)) != null) {
            more.pollEvents();
            more.reset();
          }
          reload();
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing
    }
  }

  private synchronized void reload() {
    PolicyHolder.Reload r = holder.reload(file);
    try {
      report.accept(r);
    } catch (RuntimeException e) {
      LOG.warn("policy reload report failed: {}", e.toString());
    }
  }

  @Override
  public void close() {
    try {
      watch.close();
    } catch (IOException e) {
      LOG.debug("closing the policy watch: {}", e.toString());
    }
    thread.interrupt();
  }
}
