package dev.edgesplit.engine.segment;

/**
 * How segments run in this process.
 *
 * @param intraOpThreads ONNX Runtime threads per run (1 suits a board that also serves gRPC)
 * @param maxContext KV cache length per session; 0 means the compiled maximum
 * @param spinning whether ONNX Runtime's worker threads spin between the operators of a run instead
 *     of sleeping (they sleep when the run ends either way); matters with two or more threads
 * @param profilePrefix where ONNX Runtime writes each session's operator profile (JSON, path
 *     prefix), or null for none; profiling slows every operator, so only for measuring where a
 *     run's time goes
 * @param ioBinding whether decode steps run through ONNX Runtime's IoBinding where it is available
 *     (no allocation per step) rather than {@code OrtSession.run}
 */
public record RuntimeOptions(
    int intraOpThreads, int maxContext, boolean spinning, String profilePrefix, boolean ioBinding) {

  public RuntimeOptions(int intraOpThreads, int maxContext, boolean spinning) {
    this(intraOpThreads, maxContext, spinning, null, true);
  }

  /** Worker threads spin within a run. */
  public RuntimeOptions(int intraOpThreads, int maxContext) {
    this(intraOpThreads, maxContext, true);
  }

  public RuntimeOptions {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
    }
    if (maxContext < 0) {
      throw new IllegalArgumentException("maxContext must be >= 0, got " + maxContext);
    }
  }

  /** These options with ONNX Runtime's operator profiler on, writing under {@code prefix}. */
  public RuntimeOptions profiled(String prefix) {
    return new RuntimeOptions(intraOpThreads, maxContext, spinning, prefix, ioBinding);
  }

  /**
   * These options with every decode step through {@code OrtSession.run}: the fallback, for
   * comparison.
   */
  public RuntimeOptions withoutIoBinding() {
    return new RuntimeOptions(intraOpThreads, maxContext, spinning, profilePrefix, false);
  }

  public static RuntimeOptions defaults() {
    return new RuntimeOptions(1, 0);
  }
}
