package dev.edgesplit.edge.security;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.AppenderBase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Records every log line (message and stack trace) while open, under the logging configuration the
 * distribution ships (cli/src/dist/conf/logback.xml) with the root level at DEBUG, the most an
 * operator can turn on with EDGESPLIT_LOG_LEVEL. Restores the default configuration on close.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final List<String> lines = new ArrayList<>();
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

  LogCapture() throws Exception {
    Path shipped =
        Path.of("").toAbsolutePath().getParent().resolve("cli/src/dist/conf/logback.xml");
    context.reset();
    context.putProperty("EDGESPLIT_LOG_LEVEL", "DEBUG");
    JoranConfigurator joran = new JoranConfigurator();
    joran.setContext(context);
    joran.doConfigure(shipped.toFile());
    setContext(context);
    setName("capture");
    start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(this);
  }

  @Override
  protected synchronized void append(ILoggingEvent e) {
    String text = e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage();
    if (e.getThrowableProxy() != null) {
      text += "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy());
    }
    lines.add(text);
  }

  String rootLevel() {
    return context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel().toString();
  }

  synchronized List<String> lines() {
    return new ArrayList<>(lines);
  }

  @Override
  public void close() throws Exception {
    context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(this);
    stop();
    context.reset();
    new ContextInitializer(context).autoConfig();
  }
}
