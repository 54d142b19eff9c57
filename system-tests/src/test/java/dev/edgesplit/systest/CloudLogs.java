package dev.edgesplit.systest;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Captures every log event at DEBUG and above while open (the root logger's level is restored on
 * close), so a test can read what the cloud worker logged.
 */
public final class CloudLogs implements AutoCloseable {

  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Level before = root.getLevel();
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();

  private CloudLogs() {
    events.start();
    root.addAppender(events);
    root.setLevel(Level.DEBUG);
  }

  /** Starts capturing. */
  public static CloudLogs capture() {
    return new CloudLogs();
  }

  /** The messages logged so far by the worker's code ({@code dev.edgesplit.cloud...}). */
  public List<String> workerLines() {
    return events.list.stream()
        .filter(e -> e.getLoggerName().startsWith("dev.edgesplit.cloud"))
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  @Override
  public void close() {
    root.detachAppender(events);
    root.setLevel(before);
  }
}
