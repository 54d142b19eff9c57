package dev.edgesplit.engine.energy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Structured per-token energy lines: one JSON object per line on the logger {@value #LOGGER}, so a
 * log shipper can parse them without a JSON encoder in the logging configuration (the message is
 * the whole object). Thread-safe.
 */
public final class EnergyLog {

  /**
   * Name of the logger the lines go to; route it to its own appender with pattern {@code %msg%n}.
   */
  public static final String LOGGER = "edgesplit.energy";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Logger log;
  private final Consumer<String> sink;

  /** Lines go to the {@value #LOGGER} logger at INFO. */
  public EnergyLog() {
    Logger logger = LoggerFactory.getLogger(LOGGER);
    this.log = logger;
    this.sink = logger::info;
  }

  /** Lines go to {@code sink} (tests, or a file of one's own). */
  public EnergyLog(Consumer<String> sink) {
    this.log = null;
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  /**
   * True when lines would be written (INFO enabled on {@value #LOGGER}); callers may skip building
   * them.
   */
  public boolean enabled() {
    return log == null || log.isInfoEnabled();
  }

  /** Writes {@code fields} (insertion order kept) as one JSON line. */
  public void write(Map<String, Object> fields) {
    if (!enabled()) {
      return;
    }
    try {
      sink.accept(JSON.writeValueAsString(fields));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "energy log fields are not serialisable: " + e.getMessage(), e);
    }
  }

  /** {@code {"kind": ..., "measured": ...}}: how every line names the source of a joules figure. */
  public static Map<String, Object> source(String kind, boolean measured) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", kind);
    m.put("measured", measured);
    return m;
  }
}
