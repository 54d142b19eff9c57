package dev.edgesplit.edge.config;

import dev.edgesplit.edge.link.RetryPolicy;
import dev.edgesplit.edge.speculate.DraftSources;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.server.config.LayeredConfig;
import dev.edgesplit.server.config.Listen;
import dev.edgesplit.server.config.ServerTls;
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
 * @param listen where the Generate server binds
 * @param modelDir compiled model directory, or a checkpoint the launcher compiles on first use
 * @param cut layers [0, cut) run here
 * @param cloud the cloud worker and how to talk to it
 * @param runtime ONNX Runtime settings
 * @param generate concurrency limits
 * @param metricsListen HOST:PORT of the Prometheus /metrics endpoint (loopback by default), or
 *     "off"
 * @param drainTimeout how long close() lets running generations finish
 * @param security TLS to the cloud, TLS and client authentication on the Generate listener
 * @param admission per-client rate and concurrency limits, prompt and generation length limits
 * @param recovery what a generation does when its cloud link fails
 * @param logTokens (key {@code log.tokens}) one JSON line per generated token on the {@code
 *     edgesplit.energy} logger; off by default (a summary line and an access line per request are
 *     always written)
 * @param speculate where draft tokens come from, for several tokens per round trip
 * @param http the OpenAI-compatible HTTP API (off unless http.listen is set)
 */
public record EdgeConfig(
    Listen listen,
    Path modelDir,
    int cut,
    Cloud cloud,
    Runtime runtime,
    Generate generate,
    Duration drainTimeout,
    String metricsListen,
    Security security,
    Admission admission,
    Recovery recovery,
    boolean logTokens,
    Speculate speculate,
    Http http) {

  public EdgeConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(cloud, "cloud");
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(generate, "generate");
    Objects.requireNonNull(drainTimeout, "drainTimeout");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(admission, "admission");
    Objects.requireNonNull(recovery, "recovery");
    Objects.requireNonNull(speculate, "speculate");
    if (cut < 0) {
      throw new IllegalArgumentException("model.cut must be >= 0, got " + cut);
    }
  }

  /**
   * This configuration serving the compiled model in {@code dir} (what {@code model.dir} resolved
   * to).
   */
  public EdgeConfig withModelDir(Path dir) {
    return new EdgeConfig(
        listen,
        dir,
        cut,
        cloud,
        runtime,
        generate,
        drainTimeout,
        metricsListen,
        security,
        admission,
        recovery,
        logTokens,
        speculate,
        http);
  }

  /**
   * Speculative decoding (keys {@code speculate.*}).
   *
   * @param source the drafts of generations that do not choose: none, ngram, model or early-exit
   * @param draftModel (key {@code speculate.draft_model}) draft model with the same vocabulary, run
   *     whole on the board (source {@code model}); null: the target's own source compiled int4
   * @param maxWindow (key {@code speculate.max_window}) most draft tokens per round trip; the
   *     window adapts below it to the measured acceptance and link. 0 disables speculation, also at
   *     handshake.
   */
  public record Speculate(DraftSource source, Path draftModel, int maxWindow) {
    public Speculate {
      Objects.requireNonNull(source, "speculate.source");
      if (maxWindow < 0) {
        throw new IllegalArgumentException("speculate.max_window must be >= 0, got " + maxWindow);
      }
    }
  }

  /**
   * @param target host:port of the cloud worker, or a comma-separated list of workers serving the
   *     same model and cut (a failed session moves to the next one)
   * @param hiddenDtype element type of hidden states on the wire
   * @param handshakeTimeout deadline of the handshake call
   * @param stepTimeout longest wait for one cloud reply
   * @param sessionDeadline deadline of one whole session stream
   * @param prefillChunk prompt positions per prefill frame (the board computes the next chunk while
   *     the worker computes this one)
   */
  public record Cloud(
      String target,
      DType hiddenDtype,
      Duration handshakeTimeout,
      Duration stepTimeout,
      Duration sessionDeadline,
      int prefillChunk) {
    public Cloud {
      if (prefillChunk < 1) {
        throw new IllegalArgumentException("cloud.prefill_chunk must be >= 1, got " + prefillChunk);
      }
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
          throw new IllegalArgumentException(
              "cloud.fallback must be none or local, got '" + text + "'");
      }
    }
  }

  /**
   * Reconnect, replay and fallback after a cloud link failure.
   *
   * @param initialBackoff wait before the second attempt (the first is immediate)
   * @param maxBackoff cap of the doubling wait between attempts
   * @param deadline (key {@code cloud.retry.deadline_ms}) how long one recovery may take before the
   *     generation gives up (or falls back); after one such failed window the cloud is marked down
   *     (circuit breaker) and later generations fail or fall back at once
   * @param fallback what runs the cloud's layers when no worker is reachable
   * @param probeInterval (key {@code cloud.breaker.probe_interval_ms}) while the cloud is marked
   *     down, how often the workers' health is checked; the first SERVING worker closes the breaker
   */
  public record Recovery(
      Duration initialBackoff,
      Duration maxBackoff,
      Duration deadline,
      Fallback fallback,
      Duration probeInterval) {
    public Recovery {
      Objects.requireNonNull(fallback, "fallback");
      if (!RetryPolicy.valid(initialBackoff, maxBackoff, deadline)) {
        throw new IllegalArgumentException(
            "cloud.retry: backoffs and deadline must be positive and "
                + "max_backoff_ms >= initial_backoff_ms");
      }
      if (probeInterval.isNegative() || probeInterval.isZero()) {
        throw new IllegalArgumentException("cloud.breaker.probe_interval_ms must be positive");
      }
    }
  }

  /**
   * @param maxContext positions per session, 0 = the model's maximum
   */
  public record Runtime(int intraOpThreads, int maxContext) {
    public Runtime {
      if (intraOpThreads < 1 || maxContext < 0) {
        throw new IllegalArgumentException(
            "runtime.intra_op_threads must be >= 1, runtime.max_context >= 0");
      }
    }
  }

  /**
   * The OpenAI-compatible HTTP API (keys {@code http.*}); it shares Generate's limits,
   * authentication and TLS.
   *
   * @param host bind address, or null when the API is off ({@code http.listen} empty, the default)
   * @param port bind port (0 = any free port)
   * @param chatTemplate a Jinja chat template file that overrides the model's own ({@code
   *     http.chat_template}), or null
   * @param modelName the model id clients send and {@code /v1/models} lists ({@code
   *     http.model_name}); empty = the model directory's name
   * @param maxBodyBytes largest request body accepted ({@code http.max_body_bytes}); larger gets
   *     413
   */
  public record Http(
      String host, int port, Path chatTemplate, String modelName, long maxBodyBytes) {
    public Http {
      Objects.requireNonNull(modelName, "modelName");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("http.listen port must be in [0, 65535], got " + port);
      }
      if (maxBodyBytes < 1024) {
        throw new IllegalArgumentException(
            "http.max_body_bytes must be >= 1024, got " + maxBodyBytes);
      }
    }

    /** True when {@code http.listen} is set. */
    public boolean enabled() {
      return host != null;
    }

    static Http parse(String listen, Path chatTemplate, String modelName, long maxBodyBytes) {
      if (listen.isBlank()) {
        return new Http(null, 0, chatTemplate, modelName, maxBodyBytes);
      }
      int colon = listen.lastIndexOf(':');
      if (colon <= 0 || colon == listen.length() - 1) {
        throw new IllegalArgumentException("http.listen must be HOST:PORT, got '" + listen + "'");
      }
      String host = listen.substring(0, colon).replace("[", "").replace("]", "");
      try {
        return new Http(
            host,
            Integer.parseInt(listen.substring(colon + 1)),
            chatTemplate,
            modelName,
            maxBodyBytes);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "http.listen port must be a number, got '" + listen + "'", e);
      }
    }
  }

  /**
   * @param maxConcurrent generations running at once; @param queue generations waiting for a thread
   */
  public record Generate(int maxConcurrent, int queue) {
    public Generate {
      if (maxConcurrent < 1 || queue < 1) {
        throw new IllegalArgumentException(
            "generate.max_concurrent and generate.queue must be >= 1");
      }
    }
  }

  /** How Generate clients prove who they are. */
  public enum AuthMode {
    /** No authentication: clients are told apart by peer address (fine on loopback). */
    NONE,
    /** {@code authorization: Bearer <token>} metadata, tokens from {@code auth.tokens_file}. */
    TOKEN,
    /**
     * A client certificate signed by {@code server_tls.client_ca}; the principal is its subject.
     */
    CLIENT_CERT;

    static AuthMode parse(String text) {
      switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "none":
          return NONE;
        case "token":
          return TOKEN;
        case "client_cert":
          return CLIENT_CERT;
        default:
          throw new IllegalArgumentException(
              "auth.mode must be none, token or client_cert, got '" + text + "'");
      }
    }
  }

  /**
   * @param insecure allow a non-loopback Generate listener without TLS and authentication (key
   *     {@code insecure})
   * @param cloudTls TLS of the channel to the cloud worker (keys {@code tls.*})
   * @param serverTls TLS of the Generate listener (keys {@code server_tls.*})
   * @param authMode client authentication on Generate (key {@code auth.mode})
   * @param tokensFile bearer tokens, one per line as {@code NAME TOKEN} or {@code TOKEN} (key
   *     {@code auth.tokens_file}); required for {@link AuthMode#TOKEN}
   */
  public record Security(
      boolean insecure,
      CloudTls cloudTls,
      ServerTls serverTls,
      AuthMode authMode,
      Path tokensFile) {
    public Security {
      Objects.requireNonNull(cloudTls, "cloudTls");
      Objects.requireNonNull(serverTls, "serverTls");
      Objects.requireNonNull(authMode, "authMode");
      if (authMode == AuthMode.TOKEN && tokensFile == null) {
        throw new IllegalArgumentException("auth.mode=token needs auth.tokens_file");
      }
      if (authMode == AuthMode.CLIENT_CERT
          && (!serverTls.enabled() || serverTls.clientCa() == null)) {
        throw new IllegalArgumentException(
            "auth.mode=client_cert needs server_tls.enabled and server_tls.client_ca");
      }
    }
  }

  /**
   * @param enabled TLS to the cloud worker (the files are ignored while false)
   * @param ca CA certificates (PEM) trusted for the worker's certificate; null = the JDK's
   * @param cert client certificate chain (PEM) presented to the worker (mutual TLS); may be null
   * @param key PKCS#8 PEM private key of {@code cert}
   * @param serverNameOverride name to check the worker's certificate against instead of the target
   *     host; may be null
   */
  public record CloudTls(boolean enabled, Path ca, Path cert, Path key, String serverNameOverride) {
    public CloudTls {
      if ((cert == null) != (key == null)) {
        throw new IllegalArgumentException("tls.cert and tls.key go together");
      }
    }
  }

  /**
   * Limits applied before a Generate request costs anything. Excess gets RESOURCE_EXHAUSTED.
   *
   * @param ratePerSecond sustained Generate calls per second per client; 0 = unlimited
   * @param rateBurst calls a client may make at once before the rate applies (bucket size)
   * @param maxConcurrentPerClient Generate calls one client may have running; 0 = unlimited
   * @param maxPromptTokens longest prompt in tokens; 0 = the context
   * @param maxNewTokens most tokens one call may generate; 0 = the context
   * @param maxTrackedClients clients whose buckets are remembered (bounds memory against address
   *     churn)
   */
  public record Admission(
      double ratePerSecond,
      int rateBurst,
      int maxConcurrentPerClient,
      int maxPromptTokens,
      int maxNewTokens,
      int maxTrackedClients) {
    public Admission {
      if (!(ratePerSecond >= 0) || Double.isInfinite(ratePerSecond)) {
        throw new IllegalArgumentException(
            "limits.rate_per_second must be finite and >= 0, got " + ratePerSecond);
      }
      if (rateBurst < 1
          || maxConcurrentPerClient < 0
          || maxPromptTokens < 0
          || maxNewTokens < 0
          || maxTrackedClients < 1) {
        throw new IllegalArgumentException(
            "limits: rate_burst and max_tracked_clients must be >= 1, "
                + "max_concurrent_per_client, max_prompt_tokens and max_new_tokens >= 0");
      }
    }
  }

  public static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("listen.host", "127.0.0.1");
    d.put("listen.port", "50051");
    d.put("insecure", "false");
    d.put("model.dir", "");
    d.put("model.cut", "1");
    d.put("cloud.target", "127.0.0.1:50052");
    d.put("cloud.hidden_dtype", "fp16");
    d.put("cloud.handshake_timeout_ms", "5000");
    d.put("cloud.step_timeout_ms", "10000");
    d.put("cloud.prefill_chunk", "32");
    d.put("cloud.session_deadline_ms", "600000");
    d.put("cloud.retry.initial_backoff_ms", "50");
    d.put("cloud.retry.max_backoff_ms", "2000");
    d.put("cloud.retry.deadline_ms", "30000");
    d.put("cloud.fallback", "none");
    d.put("cloud.breaker.probe_interval_ms", "1000");
    d.put("log.tokens", "false");
    d.put("runtime.intra_op_threads", "1");
    d.put("runtime.max_context", "0");
    d.put("generate.max_concurrent", "16");
    d.put("generate.queue", "64");
    d.put("drain_timeout_ms", "5000");
    d.put("metrics.listen", "127.0.0.1:9101");
    d.put("tls.enabled", "false");
    d.put("tls.ca", "");
    d.put("tls.cert", "");
    d.put("tls.key", "");
    d.put("tls.server_name_override", "");
    d.put("server_tls.enabled", "false");
    d.put("server_tls.cert", "");
    d.put("server_tls.key", "");
    d.put("server_tls.client_ca", "");
    d.put("auth.mode", "none");
    d.put("auth.tokens_file", "");
    d.put("limits.rate_per_second", "0");
    d.put("limits.rate_burst", "8");
    d.put("limits.max_concurrent_per_client", "0");
    d.put("limits.max_prompt_tokens", "0");
    d.put("limits.max_new_tokens", "0");
    d.put("limits.max_tracked_clients", "10000");
    d.put("speculate.source", "none");
    d.put("speculate.draft_model", "");
    d.put("speculate.max_window", "16");
    d.put("http.listen", "");
    d.put("http.chat_template", "");
    d.put("http.model_name", "");
    d.put("http.max_body_bytes", "1048576");
    return d;
  }

  /**
   * Loads defaults, then {@code file} (may be null), then EDGESPLIT_* env, then {@code overrides}.
   */
  public static EdgeConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
    LayeredConfig c = LayeredConfig.load(defaults(), file, env, overrides);
    return new EdgeConfig(
        new Listen(c.string("listen.host"), c.integer("listen.port"), c.bool("insecure")),
        c.path("model.dir"),
        c.integer("model.cut"),
        new Cloud(
            c.string("cloud.target"),
            dtype(c.string("cloud.hidden_dtype")),
            c.millis("cloud.handshake_timeout_ms"),
            c.millis("cloud.step_timeout_ms"),
            c.millis("cloud.session_deadline_ms"),
            c.integer("cloud.prefill_chunk")),
        new Runtime(c.integer("runtime.intra_op_threads"), c.integer("runtime.max_context")),
        new Generate(c.integer("generate.max_concurrent"), c.integer("generate.queue")),
        c.millis("drain_timeout_ms"),
        c.string("metrics.listen"),
        new Security(
            c.bool("insecure"),
            new CloudTls(
                c.bool("tls.enabled"),
                c.path("tls.ca"),
                c.path("tls.cert"),
                c.path("tls.key"),
                emptyToNull(c.string("tls.server_name_override"))),
            new ServerTls(
                "server_tls",
                c.bool("server_tls.enabled"),
                c.path("server_tls.cert"),
                c.path("server_tls.key"),
                c.path("server_tls.client_ca")),
            AuthMode.parse(c.string("auth.mode")),
            c.path("auth.tokens_file")),
        new Admission(
            c.decimal("limits.rate_per_second"),
            c.integer("limits.rate_burst"),
            c.integer("limits.max_concurrent_per_client"),
            c.integer("limits.max_prompt_tokens"),
            c.integer("limits.max_new_tokens"),
            c.integer("limits.max_tracked_clients")),
        new Recovery(
            c.millis("cloud.retry.initial_backoff_ms"),
            c.millis("cloud.retry.max_backoff_ms"),
            c.millis("cloud.retry.deadline_ms"),
            Fallback.parse(c.string("cloud.fallback")),
            c.millis("cloud.breaker.probe_interval_ms")),
        c.bool("log.tokens"),
        new Speculate(
            DraftSources.parse(c.string("speculate.source")),
            c.path("speculate.draft_model"),
            c.integer("speculate.max_window")),
        Http.parse(
            c.string("http.listen"),
            c.path("http.chat_template"),
            c.string("http.model_name"),
            c.longValue("http.max_body_bytes")));
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
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
        throw new IllegalArgumentException(
            "cloud.hidden_dtype must be fp32, fp16 or int8, got '" + text + "'");
    }
  }
}
