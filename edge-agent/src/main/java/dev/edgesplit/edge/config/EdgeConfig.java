package dev.edgesplit.edge.config;

import dev.edgesplit.proto.v1.DType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the edge agent is configured with, loaded once in main and passed down.
 *
 * @param listen       where the Generate server binds
 * @param modelDir     compiled model directory
 * @param cut          layers [0, cut) run here
 * @param cloud        the cloud worker and how to talk to it
 * @param runtime      ONNX Runtime settings
 * @param generate     concurrency limits
 * @param drainTimeout how long close() lets running generations finish
 * @param recovery     what a generation does when its cloud link fails
 */
public record EdgeConfig(Listen listen, Path modelDir, int cut, Cloud cloud, Runtime runtime, Generate generate,
    Duration drainTimeout, Recovery recovery) {

  public EdgeConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(cloud, "cloud");
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(generate, "generate");
    Objects.requireNonNull(drainTimeout, "drainTimeout");
    Objects.requireNonNull(recovery, "recovery");
    if (cut < 0) {
      throw new IllegalArgumentException("model.cut must be >= 0, got " + cut);
    }
  }

  /** @param host loopback unless {@code insecure}; @param port 0 for any free port */
  public record Listen(String host, int port, boolean insecure) {
    public Listen {
      Objects.requireNonNull(host, "host");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("listen.port must be in [0, 65535], got " + port);
      }
    }
  }

  /**
   * @param target           host:port of the cloud worker, or a comma-separated list of workers serving the
   *                         same model and cut (a failed session moves to the next one)
   * @param hiddenDtype      element type of hidden states on the wire
   * @param handshakeTimeout deadline of the handshake call
   * @param stepTimeout      longest wait for one cloud reply
   * @param sessionDeadline  deadline of one whole session stream
   */
  public record Cloud(String target, DType hiddenDtype, Duration handshakeTimeout, Duration stepTimeout,
      Duration sessionDeadline) {
    public Cloud {
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(hiddenDtype, "hiddenDtype");
      for (Duration d : new Duration[] {handshakeTimeout, stepTimeout, sessionDeadline}) {
        if (d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("cloud timeouts must be positive");
        }
      }
      if (targets(target).isEmpty()) {
        throw new IllegalArgumentException("cloud.target names no worker: '" + target + "'");
      }
    }

    /** The workers of {@code target}, in the order given. */
    public List<String> targets() {
      return targets(target);
    }

    private static List<String> targets(String target) {
      List<String> list = new ArrayList<>();
      for (String t : target.split(",")) {
        if (!t.isBlank()) {
          list.add(t.trim());
        }
      }
      return List.copyOf(list);
    }
  }

  /** What runs the cloud's layers when no cloud worker can be reached. */
  public enum Fallback {
    /** Nothing: the generation fails with UNAVAILABLE. */
    NONE,
    /** The board opens the cloud's layers itself and finishes the generation locally. */
    LOCAL;

    static Fallback parse(String text) {
      switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "none":
          return NONE;
        case "local":
          return LOCAL;
        default:
          throw new IllegalArgumentException("cloud.fallback must be none or local, got '" + text + "'");
      }
    }
  }

  /**
   * Reconnect, replay and fallback after a cloud link failure.
   *
   * @param initialBackoff wait before the second attempt (the first is immediate)
   * @param maxBackoff     cap of the doubling wait between attempts
   * @param deadline       how long one recovery may take before the generation gives up (or falls back)
   * @param fallback       what runs the cloud's layers when no worker is reachable
   */
  public record Recovery(Duration initialBackoff, Duration maxBackoff, Duration deadline, Fallback fallback) {
    public Recovery {
      Objects.requireNonNull(fallback, "fallback");
      if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0
          || deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("cloud.retry: backoffs and deadline must be positive and "
            + "max_backoff_ms >= initial_backoff_ms");
      }
    }
  }

  /** @param maxContext positions per session, 0 = the model's maximum */
  public record Runtime(int intraOpThreads, int maxContext) {
    public Runtime {
      if (intraOpThreads < 1 || maxContext < 0) {
        throw new IllegalArgumentException("runtime.intra_op_threads must be >= 1, runtime.max_context >= 0");
      }
    }
  }

  /** @param maxConcurrent generations running at once; @param queue generations waiting for a thread */
  public record Generate(int maxConcurrent, int queue) {
    public Generate {
      if (maxConcurrent < 1 || queue < 1) {
        throw new IllegalArgumentException("generate.max_concurrent and generate.queue must be >= 1");
      }
    }
  }

  public static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("listen.host", "127.0.0.1");
    d.put("listen.port", "50051");
    d.put("listen.insecure", "false");
    d.put("model.dir", "");
    d.put("model.cut", "1");
    d.put("cloud.target", "127.0.0.1:50052");
    d.put("cloud.hidden_dtype", "fp16");
    d.put("cloud.handshake_timeout_ms", "5000");
    d.put("cloud.step_timeout_ms", "10000");
    d.put("cloud.session_deadline_ms", "600000");
    d.put("runtime.intra_op_threads", "1");
    d.put("runtime.max_context", "0");
    d.put("generate.max_concurrent", "16");
    d.put("generate.queue", "64");
    d.put("drain_timeout_ms", "5000");
    d.put("cloud.retry.initial_backoff_ms", "50");
    d.put("cloud.retry.max_backoff_ms", "2000");
    d.put("cloud.retry.deadline_ms", "30000");
    d.put("cloud.fallback", "none");
    return d;
  }

  /** Loads defaults, then {@code file} (may be null), then EDGESPLIT_* env, then {@code overrides}. */
  public static EdgeConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
    LayeredConfig c = LayeredConfig.load(defaults(), file, env, overrides);
    return new EdgeConfig(
        new Listen(c.string("listen.host"), c.integer("listen.port"), c.bool("listen.insecure")),
        c.path("model.dir"),
        c.integer("model.cut"),
        new Cloud(c.string("cloud.target"), dtype(c.string("cloud.hidden_dtype")),
            c.millis("cloud.handshake_timeout_ms"), c.millis("cloud.step_timeout_ms"),
            c.millis("cloud.session_deadline_ms")),
        new Runtime(c.integer("runtime.intra_op_threads"), c.integer("runtime.max_context")),
        new Generate(c.integer("generate.max_concurrent"), c.integer("generate.queue")),
        c.millis("drain_timeout_ms"),
        new Recovery(c.millis("cloud.retry.initial_backoff_ms"), c.millis("cloud.retry.max_backoff_ms"),
            c.millis("cloud.retry.deadline_ms"), Fallback.parse(c.string("cloud.fallback"))));
  }

  /** Parses fp32, fp16 or int8. */
  public static DType dtype(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "fp32":
        return DType.DTYPE_FP32;
      case "fp16":
        return DType.DTYPE_FP16;
      case "int8":
        return DType.DTYPE_INT8;
      default:
        throw new IllegalArgumentException("cloud.hidden_dtype must be fp32, fp16 or int8, got '" + text + "'");
    }
  }
}
