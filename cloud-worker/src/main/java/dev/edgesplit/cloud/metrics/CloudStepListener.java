package dev.edgesplit.cloud.metrics;

import java.util.List;

/**
 * Told about every step the worker ran; called on step threads, must be quick and must not throw.
 */
@FunctionalInterface
public interface CloudStepListener {

  void onStep(CloudStep step);

  /** Does nothing. */
  CloudStepListener NONE = step -> {};

  /** Calls each in order. */
  static CloudStepListener all(List<CloudStepListener> listeners) {
    List<CloudStepListener> copy = List.copyOf(listeners);
    return step -> copy.forEach(l -> l.onStep(step));
  }
}
