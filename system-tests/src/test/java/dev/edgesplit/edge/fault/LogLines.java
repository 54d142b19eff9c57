package dev.edgesplit.edge.fault;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.slf4j.LoggerFactory;

/**
 * Every log line written while open, through SLF4J (logback) or java.util.logging (which gRPC and
 * Netty use), as "LEVEL logger message". Lines that the test configuration's levels drop are not
 * seen, as in production.
 */
final class LogLines implements AutoCloseable {

  private final List<String> lines = new ArrayList<>();
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final AppenderBase<ILoggingEvent> appender =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
          add(e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage());
        }
      };
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          if (isLoggable(r)) {
            add(
                r.getLevel()
                    + " "
                    + r.getLoggerName()
                    + " "
                    + r.getMessage()
                    + (r.getThrown() == null ? "" : " " + r.getThrown()));
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private final Level accessLevel;

  /**
   * @param accessLog also capture the access log (INFO on edgesplit.access, off in the test
   *     configuration)
   */
  LogLines(boolean accessLog) {
    Logger access = context.getLogger("edgesplit.access");
    accessLevel = access.getLevel();
    if (accessLog) {
      access.setLevel(Level.INFO);
    }
    appender.setContext(context);
    appender.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    java.util.logging.Logger.getLogger("").addHandler(handler);
  }

  private synchronized void add(String line) {
    lines.add(line);
  }

  synchronized List<String> lines() {
    return new ArrayList<>(lines);
  }

  @Override
  public void close() {
    java.util.logging.Logger.getLogger("").removeHandler(handler);
    context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
    appender.stop();
    context.getLogger("edgesplit.access").setLevel(accessLevel);
  }
}
