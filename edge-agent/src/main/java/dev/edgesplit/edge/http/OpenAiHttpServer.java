package dev.edgesplit.edge.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgesplit.edge.chat.ChatTemplate;
import dev.edgesplit.edge.config.EdgeConfig.AuthMode;
import dev.edgesplit.edge.http.CompletionRequest.Kind;
import dev.edgesplit.edge.security.ClientIdentity;
import dev.edgesplit.edge.security.TokenFile;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import io.grpc.Channel;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge agent's OpenAI-compatible HTTP API on Javalin (Jetty): {@code POST
 * /v1/chat/completions}, {@code POST /v1/completions}, {@code GET /v1/models} and {@code GET
 * /health}. Every generation goes through the agent's own Generate service on an in-process
 * channel, so HTTP and gRPC clients share one path, one executor, one set of limits and one set of
 * metrics. Every error is OpenAI's error JSON with its HTTP status; no stack trace leaves the
 * process. {@link #start()} binds, {@link #close()} stops. Thread-safe.
 */
public final class OpenAiHttpServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OpenAiHttpServer.class);
  private static final String IDENTITY = "edgesplit.identity";

  /**
   * What the API serves and how it is reached.
   *
   * @param host bind address
   * @param port bind port, 0 = any free port
   * @param maxBodyBytes largest request body (413 beyond)
   * @param modelId the model id clients send and /v1/models lists
   * @param cut the cut new generations use (for /v1/models)
   * @param contextLength positions a generation can use (for /v1/models)
   * @param idleTimeout how long a connection may stay silent (at least a generation's whole length)
   */
  public record Settings(
      String host,
      int port,
      long maxBodyBytes,
      String modelId,
      IntSupplier cut,
      IntSupplier contextLength,
      Duration idleTimeout) {
    public Settings {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(modelId, "modelId");
      Objects.requireNonNull(cut, "cut");
      Objects.requireNonNull(contextLength, "contextLength");
      Objects.requireNonNull(idleTimeout, "idleTimeout");
    }
  }

  private final Settings settings;
  private final HttpAuth auth;
  private final ChatTemplate template;
  private final CompletionHandler completions;
  private final ObjectMapper json = new ObjectMapper();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final HttpTls tls;
  private Javalin app;

  /**
   * @param generate the agent's in-process channel to its Generate service, whose server trusts
   *     {@link ForwardedIdentity}
   * @param tls TLS of the listener, or null for plain HTTP
   */
  public OpenAiHttpServer(
      Settings settings,
      HttpAuthConfig authConfig,
      ChatTemplate template,
      Tokenizer tokenizer,
      Channel generate,
      HttpTls tls) {
    this.settings = settings;
    this.auth = new HttpAuth(authConfig.mode(), authConfig.tokens());
    this.template = template;
    this.completions =
        new CompletionHandler(
            json, new GenerateBridge(generate), template, tokenizer, settings.modelId());
    this.tls = tls;
  }

  /** Binds the port and starts serving. */
  public synchronized OpenAiHttpServer start() {
    if (app != null) {
      throw new IllegalStateException("already started");
    }
    app =
        Javalin.create(
            config -> {
              config.startup.showJavalinBanner = false;
              config.startup.showOldJavalinVersionWarning = false;
              config.http.maxRequestSize = settings.maxBodyBytes();
              // Server-sent events must leave token by token, not wait in a compressor's buffer.
              config.http.compressionStrategy = CompressionStrategy.NONE;
              config.jetty.addConnector(
                  (server, http) -> {
                    ServerConnector connector =
                        tls != null
                            ? tls.connector(server, http, settings.host(), settings.port())
                            : new ServerConnector(server, new HttpConnectionFactory(http));
                    connector.setHost(settings.host());
                    connector.setPort(settings.port());
                    // A whole (non-streamed) answer is silent until the generation ends: allow as
                    // long as a session may run.
                    connector.setIdleTimeout(settings.idleTimeout().toMillis());
                    return connector;
                  });
              config.routes.before("/v1/*", ctx -> ctx.attribute(IDENTITY, auth.identify(ctx)));
              config.routes.get("/health", this::health);
              config.routes.get("/v1/models", this::models);
              config.routes.post(
                  "/v1/chat/completions", ctx -> completions.handle(ctx, Kind.CHAT, identity(ctx)));
              config.routes.post(
                  "/v1/completions",
                  ctx -> completions.handle(ctx, Kind.COMPLETION, identity(ctx)));
              config.routes.exception(ApiError.Failure.class, (e, ctx) -> write(ctx, e.error()));
              config.routes.exception(
                  HttpResponseException.class, (e, ctx) -> write(ctx, fromJavalin(e)));
              config.routes.exception(
                  Exception.class,
                  (e, ctx) -> {
                    // A bug, not the client's fault: log it here (once, with its class), answer
                    // without the trace.
                    LOG.warn("HTTP {} {} failed: {}", ctx.method(), ctx.path(), e.toString());
                    write(
                        ctx,
                        new ApiError(
                            500,
                            "internal error: " + e.getClass().getSimpleName(),
                            "server_error",
                            null,
                            null));
                  });
              config.routes.error(
                  404,
                  ctx -> {
                    if (ctx.result() == null) {
                      write(
                          ctx,
                          ApiError.notFound(
                              "Unknown request URL: "
                                  + ctx.method()
                                  + " "
                                  + RequestParser.truncate(ctx.path()),
                              "unknown_url"));
                    }
                  });
              config.routes.error(
                  405,
                  ctx -> {
                    if (ctx.result() == null) {
                      write(
                          ctx,
                          new ApiError(
                              405,
                              "Method "
                                  + ctx.method()
                                  + " is not allowed on "
                                  + RequestParser.truncate(ctx.path()),
                              "invalid_request_error",
                              null,
                              "method_not_allowed"));
                    }
                  });
            });
    app.start();
    LOG.info(
        "OpenAI-compatible HTTP API on {}://{}:{} serving model '{}', chat template: {}",
        tls != null ? "https" : "http",
        settings.host(),
        port(),
        settings.modelId(),
        template.origin());
    return this;
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return app.port();
  }

  /** Answers /health with 503 from now on (the agent is shutting down). */
  public void drain() {
    draining.set(true);
  }

  /** Stops the server; running responses are cut off. Idempotent. */
  @Override
  public synchronized void close() {
    if (app != null) {
      app.stop();
    }
  }

  private void health(Context ctx) {
    ObjectNode body = json.createObjectNode();
    body.put("status", draining.get() ? "draining" : "ok");
    ctx.status(draining.get() ? 503 : 200).contentType("application/json").result(body.toString());
  }

  private void models(Context ctx) {
    ObjectNode root = json.createObjectNode();
    root.put("object", "list");
    ObjectNode model = root.putArray("data").addObject();
    model.put("id", settings.modelId());
    model.put("object", "model");
    model.put("created", 0);
    model.put("owned_by", "edgesplit");
    model.put("context_length", settings.contextLength().getAsInt());
    model.put("cut", settings.cut().getAsInt());
    model.put("chat_template", template.origin());
    ctx.status(200).contentType("application/json").result(root.toString());
  }

  private static ClientIdentity identity(Context ctx) {
    return ctx.attribute(IDENTITY);
  }

  private static ApiError fromJavalin(HttpResponseException e) {
    if (e.getStatus() == 413) {
      return new ApiError(
          413, "the request body is too large", "invalid_request_error", null, "request_too_large");
    }
    return new ApiError(
        e.getStatus(),
        RequestParser.truncate(String.valueOf(e.getMessage())),
        e.getStatus() >= 500 ? "server_error" : "invalid_request_error",
        null,
        null);
  }

  private void write(Context ctx, ApiError error) {
    ObjectNode root = json.createObjectNode();
    root.set("error", ResponseJson.errorBody(json, error));
    ctx.status(error.status()).contentType("application/json").result(root.toString());
  }

  /** How HTTP clients authenticate: the agent's mode and, for tokens, its token file. */
  public record HttpAuthConfig(AuthMode mode, TokenFile tokens) {}
}
