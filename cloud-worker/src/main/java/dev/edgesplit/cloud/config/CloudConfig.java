package dev.edgesplit.cloud.config;

import dev.edgesplit.server.config.LayeredConfig;
import dev.edgesplit.server.config.Listen;
import dev.edgesplit.server.config.ServerTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the cloud worker is configured with, loaded once in main and passed down.
 *
 * @param listen where the gRPC server binds
 * @param tls server TLS and client certificate checking
 * @param modelDir compiled model directory (plan.json, segments, tokenizer), or a checkpoint the
 *     launcher compiles on first use
 * @param cut first layer this worker runs
 * @param runtime ONNX Runtime and step threads
 * @param limits sessions, KV budget, frame and probe sizes
 * @param metricsListen HOST:PORT of the Prometheus /metrics endpoint (loopback by default), or
 *     "off"
 * @param drainTimeout how long close() lets running streams finish before cancelling them
 * @param logTokens (key {@code log.tokens}) one JSON line per step on the {@code edgesplit.energy}
 *     logger; off by default
 * @param healthListen HOST:PORT of a plaintext listener serving only grpc.health.v1.Health (for
 *     probes that cannot present client certificates), or "off" (key {@code health.listen})
 */
public record CloudConfig(
    Listen listen,
    ServerTls tls,
    Path modelDir,
    int cut,
    Runtime runtime,
    Limits limits,
    Duration drainTimeout,
    String metricsListen,
    String healthListen,
    boolean logTokens) {

  public CloudConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(limits, "limits");
    if (cut < 0) {
      throw new IllegalArgumentException("model.cut must be >= 0, got " + cut);
    }
    requireNonNegative("drain_timeout_ms", drainTimeout);
    Objects.requireNonNull(healthListen, "healthListen");
    if (!healthOff(healthListen)) {
      int colon = healthListen.lastIndexOf(':');
      int port;
      try {
        port = colon > 0 ? Integer.parseInt(healthListen.substring(colon + 1)) : -1;
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(
            "health.listen must be HOST:PORT (port in [0, 65535]) or off, got '"
                + healthListen
                + "'");
      }
    }
  }

  /** True when {@code health.listen} asks for no health-only listener ("off" or empty). */
  public static boolean healthOff(String healthListen) {
    return healthListen.isBlank() || healthListen.trim().equalsIgnoreCase("off");
  }

  /**
   * @param intraOpThreads ONNX Runtime threads per step
   * @param maxContext positions per session; 0 = the model's maximum
   * @param stepThreads model steps that may run at once (on gRPC's threads; with batching, the
   *     sessions that can share one batch)
   * @param stepQueue steps that may wait for their turn before RESOURCE_EXHAUSTED
   */
  public record Runtime(int intraOpThreads, int maxContext, int stepThreads, int stepQueue) {
    public Runtime {
      if (intraOpThreads < 1 || maxContext < 0 || stepThreads < 1 || stepQueue < 1) {
        throw new IllegalArgumentException(
            "runtime: threads and queue must be >= 1, max_context >= 0");
      }
    }
  }

  /**
   * @param maxSessions concurrent sessions
   * @param kvBudgetBytes bytes of KV cache all sessions may reserve together
   * @param idleTtl a session idle this long is closed
   * @param maxFramePositions positions per frame; 0 = the context length
   * @param maxProbeBytes largest probe payload
   */
  public record Limits(
      int maxSessions,
      long kvBudgetBytes,
      Duration idleTtl,
      int maxFramePositions,
      int maxProbeBytes) {
    public Limits {
      if (maxSessions < 1 || kvBudgetBytes < 1 || maxFramePositions < 0 || maxProbeBytes < 0) {
        throw new IllegalArgumentException(
            "limits must be positive (max_frame_positions may be 0 = context)");
      }
      requireNonNegative("limits.idle_ttl_ms", idleTtl);
      if (idleTtl.isZero()) {
        throw new IllegalArgumentException("limits.idle_ttl_ms must be > 0");
      }
    }
  }

  /** Every key with its default; model.dir has none. */
  public static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("listen.host", "127.0.0.1");
    d.put("listen.port", "50052");
    d.put("insecure", "false");
    d.put("tls.enabled", "false");
    d.put("tls.cert", "");
    d.put("tls.key", "");
    d.put("tls.client_ca", "");
    d.put("model.dir", "");
    d.put("model.cut", "1");
    d.put("runtime.intra_op_threads", "1");
    d.put("runtime.max_context", "0");
    d.put("runtime.step_threads", "2");
    d.put("runtime.step_queue", "256");
    d.put("limits.max_sessions", "64");
    d.put("limits.kv_budget_bytes", String.valueOf(512L << 20));
    d.put("limits.idle_ttl_ms", "60000");
    d.put("limits.max_frame_positions", "0");
    d.put("limits.max_probe_bytes", String.valueOf(1 << 20));
    d.put("drain_timeout_ms", "5000");
    d.put("metrics.listen", "127.0.0.1:9102");
    d.put("health.listen", "off");
    d.put("log.tokens", "false");
    return d;
  }

  /**
   * Loads defaults, then {@code file} (may be null), then EDGESPLIT_* env, then {@code overrides}.
   */
  public static CloudConfig load(
      Path file, Map<String, String> env, Map<String, String> overrides) {
    LayeredConfig c = LayeredConfig.load(defaults(), file, env, overrides);
    return new CloudConfig(
        new Listen(c.string("listen.host"), c.integer("listen.port"), c.bool("insecure")),
        new ServerTls(
            "tls",
            c.bool("tls.enabled"),
            c.path("tls.cert"),
            c.path("tls.key"),
            c.path("tls.client_ca")),
        c.path("model.dir"),
        c.integer("model.cut"),
        new Runtime(
            c.integer("runtime.intra_op_threads"),
            c.integer("runtime.max_context"),
            c.integer("runtime.step_threads"),
            c.integer("runtime.step_queue")),
        new Limits(
            c.integer("limits.max_sessions"),
            c.longValue("limits.kv_budget_bytes"),
            c.millis("limits.idle_ttl_ms"),
            c.integer("limits.max_frame_positions"),
            c.integer("limits.max_probe_bytes")),
        c.millis("drain_timeout_ms"),
        c.string("metrics.listen"),
        c.string("health.listen"),
        c.bool("log.tokens"));
  }

  private static void requireNonNegative(String key, Duration d) {
    Objects.requireNonNull(d, key);
    if (d.isNegative()) {
      throw new IllegalArgumentException(key + " must be >= 0");
    }
  }
}
