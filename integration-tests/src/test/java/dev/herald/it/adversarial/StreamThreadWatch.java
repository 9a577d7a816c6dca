package dev.herald.it.adversarial;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Counts stream-thread failures of one auditor application from the log: Kafka Streams logs
 * "Replacing thread in the streams uncaught exception handler" each time a failed stream thread is
 * replaced, on that thread, whose name starts with the application id. A thread replaced again and
 * again is a poison pill: the replacement re-reads the same record and fails the same way.
 */
final class StreamThreadWatch extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final String applicationId;
  private final List<String> failures = new ArrayList<>();
  private int heraldReports;

  StreamThreadWatch(String applicationId) {
    this.applicationId = applicationId;
    setName("stream-thread-watch-" + applicationId);
    setContext((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory());
    start();
    root().addAppender(this);
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  @Override
  protected synchronized void append(ILoggingEvent e) {
    String message = e.getFormattedMessage();
    if (message == null || !e.getThreadName().startsWith(applicationId)) {
      return;
    }
    if (message.contains("stream thread failed")) {
      heraldReports++; // the auditor's own handler, in case Kafka's line is not logged
    }
    if (message.contains("Replacing thread")) {
      IThrowableProxy t = e.getThrowableProxy();
      while (t != null && t.getCause() != null) {
        t = t.getCause();
      }
      failures.add(
          e.getThreadName()
              + ": "
              + (t == null ? message : t.getClassName() + ": " + t.getMessage()));
    }
  }

  /** The stream threads replaced so far, each with the root cause of its failure. */
  synchronized List<String> replacements() {
    List<String> out = new ArrayList<>(failures);
    for (int i = failures.size(); i < heraldReports; i++) {
      out.add("stream thread failed (reported by the auditor's handler)");
    }
    return out;
  }

  @Override
  public void close() {
    root().detachAppender(this);
    stop();
  }
}
