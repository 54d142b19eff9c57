package dev.edgesplit.edge.generate;

import dev.edgesplit.proto.v1.GenerationSummary;
import java.util.List;

/**
 * Told about every step and summary of every generation (metrics, energy log, re-planning). Called
 * on the generation's thread; implementations are thread-safe and quick, and must not throw.
 */
public interface StepListener {

  /** A generation opened its edge KV cache of {@code kvBytes}. */
  default void sessionOpened(String sessionId, long kvBytes) {}

  /** The generation ended (any way) and freed its KV cache of {@code kvBytes}. */
  default void sessionClosed(String sessionId, long kvBytes) {}

  void onStep(StepRecord step);

  default void onSummary(String sessionId, GenerationSummary summary) {}

  /** A Generate call ended (any way, malformed requests included); called once per call. */
  default void requestEnded(RequestOutcome outcome) {}

  /** Does nothing. */
  StepListener NONE = step -> {};

  /** Calls each listener in order. */
  static StepListener all(List<StepListener> listeners) {
    List<StepListener> copy = List.copyOf(listeners);
    return new StepListener() {
      @Override
      public void sessionOpened(String sessionId, long kvBytes) {
        copy.forEach(l -> l.sessionOpened(sessionId, kvBytes));
      }

      @Override
      public void sessionClosed(String sessionId, long kvBytes) {
        copy.forEach(l -> l.sessionClosed(sessionId, kvBytes));
      }

      @Override
      public void onStep(StepRecord step) {
        copy.forEach(l -> l.onStep(step));
      }

      @Override
      public void onSummary(String sessionId, dev.edgesplit.proto.v1.GenerationSummary summary) {
        copy.forEach(l -> l.onSummary(sessionId, summary));
      }

      @Override
      public void requestEnded(RequestOutcome outcome) {
        copy.forEach(l -> l.requestEnded(outcome));
      }
    };
  }
}
