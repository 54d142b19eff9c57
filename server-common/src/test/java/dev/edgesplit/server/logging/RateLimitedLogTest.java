package dev.edgesplit.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RateLimitedLogTest {

  @Test
  void warn_logsAtMostOneLinePerInterval_andCountsTheRest() {
    Logger logger = (Logger) LoggerFactory.getLogger("dev.edgesplit.test.ratelimited");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    AtomicLong now = new AtomicLong();
    RateLimitedLog log = new RateLimitedLog(logger, Duration.ofSeconds(10), now::get);
    try {
      for (int i = 0; i < 1000; i++) {
        log.warn("bad request " + i);
        now.addAndGet(1_000_000); // 1 ms apart: 1,000 calls span 1 s
      }
      assertThat(lines.list).hasSize(1);
      assertThat(lines.list.get(0).getFormattedMessage()).isEqualTo("bad request 0");

      now.addAndGet(Duration.ofSeconds(10).toNanos());
      log.warn("bad request again");
      assertThat(lines.list).hasSize(2);
      assertThat(lines.list.get(1).getFormattedMessage())
          .isEqualTo("bad request again (999 more like it not logged " + "in the previous 10 s)");
    } finally {
      logger.detachAppender(lines);
    }
  }
}
