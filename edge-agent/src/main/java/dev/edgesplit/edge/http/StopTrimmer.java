package dev.edgesplit.edge.http;

import java.util.List;

/**
 * OpenAI answers end before a stop string; Generate streams the token that completes one. This
 * holds back streamed text that might be the start of a stop string until it is known not to be,
 * and cuts the text at the first stop string. Not thread-safe: one per response.
 */
final class StopTrimmer {

  private final List<String> stops;
  private final StringBuilder text = new StringBuilder();
  private int emitted;
  private boolean stopped;

  StopTrimmer(List<String> stops) {
    this.stops = stops;
  }

  /** Adds a piece of generated text; returns the text that can be sent now (possibly empty). */
  String push(String piece) {
    if (stopped) {
      return "";
    }
    text.append(piece);
    int cut = firstStop();
    if (cut >= 0) {
      stopped = true;
      return take(cut);
    }
    return take(text.length() - heldBack());
  }

  /** The rest of the text, cut at a stop string; call once at the end. */
  String finish() {
    if (stopped) {
      return "";
    }
    int cut = firstStop();
    return take(cut >= 0 ? cut : text.length());
  }

  /** The whole answer so far, cut at a stop string. */
  String text() {
    int cut = firstStop();
    return cut >= 0 ? text.substring(0, cut) : text.toString();
  }

  private String take(int end) {
    if (end <= emitted) {
      return "";
    }
    String out = text.substring(emitted, end);
    emitted = end;
    return out;
  }

  private int firstStop() {
    int first = -1;
    for (String stop : stops) {
      int at = text.indexOf(stop, Math.max(0, emitted - stop.length() + 1));
      if (at >= 0 && (first < 0 || at < first)) {
        first = at;
      }
    }
    // Text that might start a stop string is held back, so a stop never begins inside text already
    // sent.
    return first < 0 ? -1 : Math.max(first, emitted);
  }

  /** Length of the longest end of the text that is a proper beginning of some stop string. */
  private int heldBack() {
    int held = 0;
    for (String stop : stops) {
      for (int k = Math.min(stop.length() - 1, text.length() - emitted); k > held; k--) {
        if (text.substring(text.length() - k).equals(stop.substring(0, k))) {
          held = k;
          break;
        }
      }
    }
    return held;
  }
}
