package dev.edgesplit.edge;

import dev.edgesplit.edge.chat.ChatTemplates;
import dev.edgesplit.edge.chat.TemplateSource;
import dev.edgesplit.edge.chat.TokenizerConfigTemplates;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.generate.RequestOutcome;
import dev.edgesplit.edge.generate.RequestValidator;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.http.ForwardedIdentity;
import dev.edgesplit.edge.http.HttpTls;
import dev.edgesplit.edge.http.OpenAiHttpServer;
import dev.edgesplit.edge.link.CloudBreaker;
import dev.edgesplit.edge.link.CloudLink;
import dev.edgesplit.edge.link.CloudPool;
import dev.edgesplit.edge.link.CloudSessions;
import dev.edgesplit.edge.link.GenerationSettings;
import dev.edgesplit.edge.link.LocalCloud;
import dev.edgesplit.edge.link.RetryPolicy;
import dev.edgesplit.edge.plan.EdgeChains;
import dev.edgesplit.edge.plan.Route;
import dev.edgesplit.edge.rpc.AccessLog;
import dev.edgesplit.edge.rpc.EdgeServiceImpl;
import dev.edgesplit.edge.security.AdmissionInterceptor;
import dev.edgesplit.edge.security.AuthInterceptor;
import dev.edgesplit.edge.security.ConcurrencyLimiter;
import dev.edgesplit.edge.security.ListenerSecurity;
import dev.edgesplit.edge.security.RateLimiter;
import dev.edgesplit.edge.security.TokenFile;
import dev.edgesplit.edge.speculate.Speculation;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.Protocol;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.HandshakeRequest;
import dev.edgesplit.server.config.Listen;
import dev.edgesplit.server.energy.StepEnergy;
import dev.edgesplit.server.lifecycle.GrpcServing;
import dev.edgesplit.server.logging.RateLimitedLog;
import dev.edgesplit.server.rpc.MalformedRequests;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge agent process: a gRPC server with {@code EdgeService}, health and reflection. The
 * chains, tokenizer and cloud channels are created and closed by the caller (main), after this
 * agent is closed.
 */
public final class EdgeAgent implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EdgeAgent.class);

  /** At most one line per this interval about malformed requests, however many arrive. */
  private static final Duration MALFORMED_LOG_INTERVAL = Duration.ofSeconds(10);

  private final EdgeConfig config;
  private final EdgeChains chains;
  private final String fingerprint;
  private final Tokenizer tokenizer;
  private final List<Channel> clouds;
  private final StepHooks hooks;
  private final GenerationSettings settings;
  private final RetryPolicy retry;
  private final Map<Integer, CloudSessions> cloudByCut = new ConcurrentHashMap<>();
  private volatile int cut;
  private Speculation speculation = Speculation.none();

  /**
   * End of the worker's layers in a U-shaped split; N (the plain split) when the worker runs [cut,
   * N).
   */
  private final int returnCut;

  private final GrpcServing serving = new GrpcServing("edge agent");
  private final CloudBreaker breaker;
  private ThreadPoolExecutor generations;
  private EdgeServiceImpl service;
  private Optional<TemplateSource> modelChatTemplate;
  private Server inProcess;
  private ManagedChannel inProcessChannel;
  private OpenAiHttpServer http;

  /**
   * @param edge embedding + layers [0, config.cut()) of the compiled model
   * @param fingerprint the compiled model's fingerprint, checked against the worker's at handshake
   */
  public EdgeAgent(
      EdgeConfig config,
      SegmentChain edge,
      String fingerprint,
      Tokenizer tokenizer,
      Channel cloud,
      StepEnergy energy) {
    this(config, edge, fingerprint, tokenizer, List.of(cloud), null, energy);
  }

  /**
   * A fixed-cut agent with a pool of workers.
   *
   * @param clouds one channel per worker of {@code config.cloud().targets()}, in the same order
   * @param localCloud layers [cut, N) + head opened on the board for {@code cloud.fallback=local},
   *     else null
   */
  public EdgeAgent(
      EdgeConfig config,
      SegmentChain edge,
      String fingerprint,
      Tokenizer tokenizer,
      List<Channel> clouds,
      SegmentChain localCloud,
      StepEnergy energy) {
    this(
        config,
        EdgeChains.fixed(edge, localCloud),
        fingerprint,
        tokenizer,
        clouds,
        StepHooks.of(energy));
  }

  /**
   * An agent that can move its cut while serving ({@link #useCut}) when {@code chains} is
   * per-layer. Each cut's sessions run on the pool of {@code clouds}, handshaking that cut, with
   * failover, replay and (with {@code cloud.fallback=local}) the cloud layers of that cut from
   * {@code chains} as the last resort.
   *
   * @param chains the edge (and local fallback) chains; starts at {@code config.cut()}. The caller
   *     closes them after this agent.
   * @param clouds one channel per worker of {@code config.cloud().targets()}, in the same order
   * @param hooks energy, step listeners (metrics, energy log, re-planner) and the slowdown hook
   */
  public EdgeAgent(
      EdgeConfig config,
      EdgeChains chains,
      String fingerprint,
      Tokenizer tokenizer,
      List<Channel> clouds,
      StepHooks hooks) {
    this(config, chains, fingerprint, tokenizer, clouds, hooks, -1);
  }

  /**
   * An agent running the U-shaped split: the workers run only layers [cut, returnCut) and send the
   * hidden states back; the board runs [returnCut, N), the norm, the LM head and sampling ({@code
   * chains} must be per-layer).
   *
   * @param returnCut above every cut used and at most N; N or -1 is the plain split
   */
  public EdgeAgent(
      EdgeConfig config,
      EdgeChains chains,
      String fingerprint,
      Tokenizer tokenizer,
      List<Channel> clouds,
      StepHooks hooks,
      int returnCut) {
    if (clouds.size() != config.cloud().targets().size()) {
      throw new IllegalArgumentException(
          clouds.size()
              + " cloud channels for the "
              + config.cloud().targets().size()
              + " workers of cloud.target "
              + config.cloud().targets());
    }
    this.config = config;
    this.chains = chains;
    this.fingerprint = fingerprint;
    this.tokenizer = tokenizer;
    this.clouds = List.copyOf(clouds);
    this.hooks = hooks;
    this.settings =
        new GenerationSettings(
            config.cloud().hiddenDtype(),
            config.cloud().stepTimeout(),
            config.cloud().sessionDeadline(),
            config.cloud().prefillChunk());
    EdgeConfig.Recovery recovery = config.recovery();
    this.retry =
        new RetryPolicy(recovery.initialBackoff(), recovery.maxBackoff(), recovery.deadline());
    // Marked down, the cloud leaves nothing to serve unless the board can run the cloud's layers
    // itself.
    boolean canFallBack = recovery.fallback() == EdgeConfig.Fallback.LOCAL;
    this.breaker =
        new CloudBreaker(
            config.cloud().targets(),
            this.clouds,
            recovery.probeInterval(),
            config.cloud().handshakeTimeout(),
            down -> serving.reportServing(!down || canFallBack));
    this.cut = config.cut();
    this.returnCut = returnCut;
    this.modelChatTemplate =
        config.modelDir() == null
            ? Optional.empty()
            : TokenizerConfigTemplates.inDirectory(config.modelDir());
  }

  /**
   * The model's own chat template for the HTTP API, when it comes from elsewhere than {@code
   * tokenizer_config.json} in the model directory (e.g. GGUF metadata). Call before {@link
   * #start()}; {@code http.chat_template} still overrides it.
   */
  public synchronized EdgeAgent useModelChatTemplate(TemplateSource source) {
    serving.checkNotStarted();
    this.modelChatTemplate = Optional.of(source);
    return this;
  }

  /** True when generations at {@code k} run U-shaped. */
  private boolean uShaped(int k, SegmentChain edge) {
    int n = edge.config().nLayers();
    if (returnCut < 0 || returnCut == n) {
      return false;
    }
    if (returnCut <= k || returnCut > n) {
      throw new IllegalArgumentException(
          "return cut " + returnCut + " must be above the cut " + k + " and at most " + n);
    }
    return true;
  }

  /** The circuit breaker on the cloud workers (for metrics and tests). */
  public CloudBreaker breaker() {
    return breaker;
  }

  /**
   * Lets generations draft several tokens per round trip (call before {@link #start}); without it
   * every generation sends one token per round trip.
   */
  public synchronized EdgeAgent speculation(Speculation speculation) {
    serving.checkNotStarted();
    this.speculation = java.util.Objects.requireNonNull(speculation, "speculation");
    return this;
  }

  /** The cut new generations use. */
  public int cut() {
    return cut;
  }

  /**
   * Makes new generations run at {@code newCut} (opening its edge chain, and with {@code
   * cloud.fallback=local} its cloud chain, now); running ones finish on theirs.
   *
   * @throws IllegalArgumentException when the edge chains cannot serve that cut
   */
  public void useCut(int newCut) {
    cloudFor(newCut, chains.chain(newCut));
    if (newCut != cut) {
      LOG.info("edge agent moves new generations from cut {} to cut {}", cut, newCut);
    }
    cut = newCut;
  }

  /** The route of a new generation: the current cut, its chain and its cloud sessions. */
  Route route() {
    int k = cut;
    SegmentChain chain = chains.chain(k);
    return new Route(k, chain, cloudFor(k, chain));
  }

  /**
   * The cloud side of cut {@code k}, built on first use: a pool with one link per worker, each
   * handshaking cut {@code k}, so a session that fails over re-handshakes the cut it runs at.
   */
  private CloudSessions cloudFor(int k, SegmentChain edge) {
    return cloudByCut.computeIfAbsent(
        k,
        c -> {
          boolean u = uShaped(c, edge);
          HandshakeRequest.Builder helloBuilder =
              HandshakeRequest.newBuilder()
                  .setProtocolVersion(Protocol.VERSION)
                  .setModelFingerprint(fingerprint)
                  .setCut(c)
                  .setHiddenDtype(config.cloud().hiddenDtype())
                  .setMaxContext(edge.maxContext())
                  // In a U-shaped split the board verifies: windows carry hidden rows only.
                  .setMaxWindowDrafts(speculation.maxWindow());
          HandshakeRequest hello =
              u ? helloBuilder.setReturnCut(returnCut).build() : helloBuilder.build();
          List<CloudLink> links = new ArrayList<>();
          for (int i = 0; i < clouds.size(); i++) {
            links.add(
                new CloudLink(
                    config.cloud().targets().get(i),
                    clouds.get(i),
                    hello,
                    config.cloud().handshakeTimeout()));
          }
          boolean fallback = config.recovery().fallback() == EdgeConfig.Fallback.LOCAL;
          if (u) {
            LocalCloud local = fallback ? new LocalCloud(chains.middleChain(c, returnCut)) : null;
            return new CloudSessions(
                c,
                chains.tailChain(returnCut),
                new CloudPool(links),
                retry,
                breaker,
                local,
                settings);
          }
          LocalCloud local = fallback ? new LocalCloud(chains.cloudChain(c)) : null;
          return new CloudSessions(c, new CloudPool(links), retry, breaker, local, settings);
        });
  }

  /**
   * Checks the workers' health once (an edge that boots during an outage starts with the cloud
   * marked down: NOT_SERVING without a local fallback), binds the port and starts serving; the
   * cloud handshake happens at the first Generate.
   */
  public synchronized EdgeAgent start() {
    serving.checkNotStarted();
    if (!chains.serves(config.cut())) {
      throw new IllegalArgumentException("edge chain does not serve model.cut " + config.cut());
    }
    SegmentChain edge = chains.chain(config.cut());
    // Builds the start cut's pool now, so a missing local fallback chain fails here rather than
    // mid-generation.
    cloudFor(config.cut(), edge);
    InetSocketAddress address = ListenerSecurity.bindAddress(config.listen(), config.security());
    ServerCredentials credentials = ListenerSecurity.credentials(config.security());
    AuthInterceptor auth = ListenerSecurity.authInterceptor(config.security());
    AtomicInteger n = new AtomicInteger();
    generations =
        new ThreadPoolExecutor(
            config.generate().maxConcurrent(),
            config.generate().maxConcurrent(),
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(config.generate().queue()),
            r -> {
              Thread t = new Thread(r, "edge-generate-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    EdgeConfig.Admission admission = config.admission();
    service =
        new EdgeServiceImpl(
            this::route,
            tokenizer,
            settings,
            hooks,
            generations,
            new RequestValidator(tokenizer, admission.maxPromptTokens(), admission.maxNewTokens()),
            speculation);
    MalformedRequests malformed =
        new MalformedRequests(
            new RateLimitedLog(LOG, MALFORMED_LOG_INTERVAL, System::nanoTime),
            () ->
                hooks
                    .listener()
                    .requestEnded(
                        new RequestOutcome(
                            Status.Code.INVALID_ARGUMENT, "-", Duration.ZERO, 0, 0, false)));
    // One admission interceptor: gRPC and HTTP clients draw on the same per-client buckets.
    AdmissionInterceptor admit = admissionInterceptor(admission);
    breaker.start();
    try {
      serving.start(
          NettyServerBuilder.forAddress(address, credentials)
              // A Generate request is a prompt and a few numbers: a context's worth of text is
              // plenty.
              .maxInboundMessageSize(Math.max(64 << 10, edge.maxContext() * 64 + 4096))
              // Interceptors run last-listed first: authenticate, log the call, admit per client,
              // then serve; a request
              // that does not parse is refused before all of them see it (it never reaches the
              // access log).
              .addService(
                  malformed.guard(
                      ServerInterceptors.intercept(
                          service, admit, new AccessLog(hooks.listener(), System::nanoTime), auth)))
              .addService(serving.healthService())
              .addService(
                  ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), auth))
              // The older v1alpha reflection too: grpcurl before 1.8.8 and other clients speak only
              // that.
              .addService(ServerInterceptors.intercept(reflectionV1Alpha(), auth)),
          address,
          EdgeServiceGrpc.SERVICE_NAME,
          null);
    } catch (RuntimeException e) {
      generations.shutdownNow();
      breaker.close();
      throw e;
    }
    if (config.http().enabled()) {
      try {
        startHttp(admit, edge.maxContext());
      } catch (RuntimeException e) {
        stopHttp();
        serving.shutdownNow();
        generations.shutdownNow();
        breaker.close();
        throw e;
      }
    }
    LOG.info(
        "edge agent serving cut {} on {}:{} ({}, auth {}), cloud workers {} ({}), fallback {}, retry deadline "
            + "{} ms, decode steps through {}",
        cut,
        address.getHostString(),
        port(),
        config.security().serverTls().enabled() ? "TLS" : "plaintext",
        config.security().authMode(),
        config.cloud().targets(),
        breaker.isOpen() ? "down" : "up",
        config.recovery().fallback(),
        config.recovery().deadline().toMillis(),
        SegmentChain.stepRunner());
    return this;
  }

  /**
   * Starts the OpenAI-compatible HTTP API: an in-process Generate server (the same service,
   * admission and executor) that the HTTP handlers call with the identity they authenticated.
   */
  private void startHttp(AdmissionInterceptor admit, int maxContext) {
    EdgeConfig.Http h = config.http();
    EdgeConfig.Security security = config.security();
    InetSocketAddress httpAddress =
        ListenerSecurity.bindAddress(new Listen(h.host(), h.port(), security.insecure()), security);
    String name = "edgesplit-http-" + System.identityHashCode(this);
    try {
      inProcess =
          InProcessServerBuilder.forName(name)
              .directExecutor()
              .addService(ServerInterceptors.intercept(service, admit, new ForwardedIdentity()))
              .build()
              .start();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot start the in-process Generate server", e);
    }
    inProcessChannel = InProcessChannelBuilder.forName(name).directExecutor().build();
    TokenFile tokens =
        security.authMode() == EdgeConfig.AuthMode.TOKEN
            ? TokenFile.open(security.tokensFile())
            : null;
    HttpTls tls =
        security.serverTls().enabled()
            ? HttpTls.fromPem(
                security.serverTls().cert(),
                security.serverTls().key(),
                security.serverTls().clientCa(),
                security.authMode() == EdgeConfig.AuthMode.CLIENT_CERT)
            : null;
    String model =
        !h.modelName().isEmpty()
            ? h.modelName()
            : config.modelDir() != null && config.modelDir().getFileName() != null
                ? config.modelDir().getFileName().toString()
                : "edgesplit";
    http =
        new OpenAiHttpServer(
                new OpenAiHttpServer.Settings(
                    httpAddress.getHostString(),
                    h.port(),
                    h.maxBodyBytes(),
                    model,
                    this::cut,
                    () -> maxContext,
                    config.cloud().sessionDeadline()),
                new OpenAiHttpServer.HttpAuthConfig(security.authMode(), tokens),
                ChatTemplates.choose(h.chatTemplate(), modelChatTemplate),
                tokenizer,
                inProcessChannel,
                tls)
            .start();
  }

  private void stopHttp() {
    if (http != null) {
      http.close();
    }
    if (inProcessChannel != null) {
      inProcessChannel.shutdownNow();
    }
    if (inProcess != null) {
      inProcess.shutdownNow();
    }
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return serving.port();
  }

  /** The bound port of the HTTP API, or -1 when it is off. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  /** Waits until the server has terminated. */
  public void blockUntilShutdown() throws InterruptedException {
    serving.blockUntilShutdown();
  }

  /**
   * Reports NOT_SERVING, lets generations finish up to the drain timeout, then cancels them.
   * Idempotent.
   */
  @Override
  public synchronized void close() {
    if (!serving.beginClose()) {
      return;
    }
    service.drain();
    if (http != null) {
      http.drain();
    }
    serving.shutdown();
    generations.shutdown();
    try {
      long deadline = System.nanoTime() + config.drainTimeout().toNanos();
      serving.awaitDrain(config.drainTimeout());
      long left = Math.max(0, deadline - System.nanoTime());
      if (!generations.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        generations.shutdownNow();
      }
      stopHttp();
      serving.finishClose();
    } catch (InterruptedException e) {
      stopHttp();
      serving.shutdownNow();
      generations.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      breaker.close();
    }
  }

  @SuppressWarnings("deprecation")
  private static io.grpc.BindableService reflectionV1Alpha() {
    return ProtoReflectionService.newInstance();
  }

  private static AdmissionInterceptor admissionInterceptor(EdgeConfig.Admission a) {
    RateLimiter rate =
        a.ratePerSecond() > 0
            ? new RateLimiter(
                a.ratePerSecond(), a.rateBurst(), a.maxTrackedClients(), System::nanoTime)
            : null;
    ConcurrencyLimiter concurrency =
        a.maxConcurrentPerClient() > 0 ? new ConcurrencyLimiter(a.maxConcurrentPerClient()) : null;
    return new AdmissionInterceptor(
        rate, concurrency, a.ratePerSecond() + "/s, burst " + a.rateBurst());
  }
}
