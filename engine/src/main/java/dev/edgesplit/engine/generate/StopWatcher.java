package dev.edgesplit.engine.generate;

import java.util.List;

/** Tells when a stop string has appeared in text that grows a piece at a time. */
public final class StopWatcher {

  private final List<String> stops;

  public StopWatcher(List<String> stops) {
    this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
  }

  /** True when a stop string overlaps the last {@code appended} characters of {@code text}. */
  public boolean matches(CharSequence text, int appended) {
    String s = text.toString();
    for (String stop : stops) {
      int from = Math.max(0, s.length() - appended - stop.length() + 1);
      if (s.indexOf(stop, from) >= 0) {
        return true;
      }
    }
    return false;
  }
}
