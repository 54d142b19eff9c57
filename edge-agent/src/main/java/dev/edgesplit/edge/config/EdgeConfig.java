package dev.edgesplit.edge.config;

import dev.edgesplit.proto.v1.DType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
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
 */
public record EdgeConfig(Listen listen, Path modelDir, int cut, Cloud cloud, Runtime runtime, Generate generate,
    Duration drainTimeout) {

  public EdgeConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(cloud, "cloud");
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(generate, "generate");
    Objects.requireNonNull(drainTimeout, "drainTimeout");
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
   * @param target           host:port of the cloud worker
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
        c.millis("drain_timeout_ms"));
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
