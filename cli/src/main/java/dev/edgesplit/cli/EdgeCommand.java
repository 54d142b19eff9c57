package dev.edgesplit.cli;

import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.error.CloudLinkException;
import dev.edgesplit.edge.generate.EdgeSlowdown;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.link.LinkProber;
import dev.edgesplit.edge.metrics.EdgeMetrics;
import dev.edgesplit.edge.metrics.EnergyLogListener;
import dev.edgesplit.edge.plan.EdgeChains;
import dev.edgesplit.edge.plan.ProfileBuilder;
import dev.edgesplit.edge.plan.Replanner;
import dev.edgesplit.edge.plan.WireTypes;
import dev.edgesplit.edge.security.CloudChannels;
import dev.edgesplit.edge.speculate.Speculation;
import dev.edgesplit.engine.energy.EnergyLog;
import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.energy.EnergyMeters;
import dev.edgesplit.engine.energy.MeterChoice;
import dev.edgesplit.engine.energy.ProbeOptions;
import dev.edgesplit.engine.profile.ProfileSettings;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.options.ReturnCut;
import dev.edgesplit.planner.LayerProfile;
import dev.edgesplit.planner.PlanConstraints;
import dev.edgesplit.planner.PlanGoal;
import dev.edgesplit.planner.link.LinkEstimate;
import dev.edgesplit.planner.link.LinkEstimator;
import dev.edgesplit.server.energy.MeteredStepEnergy;
import dev.edgesplit.server.metrics.MetricsHttpServer;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code edgesplit edge}: the board's Generate server running embedding + layers [0,k). */
@Command(
    name = "edge",
    mixinStandardHelpOptions = true,
    description =
        "Run the edge agent: Generate for client apps, embedding + layers [0,k) here, the rest in the cloud.")
final class EdgeCommand implements Callable<Integer> {

  @Mixin ServerOptions server;

  @Mixin ModelOptions model;

  @Option(
      names = "--cloud",
      paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Cloud worker, or workers to fail over between (default 127.0.0.1:50052).")
  String cloud;

  @Option(
      names = "--fallback",
      paramLabel = "MODE",
      description =
          "When no cloud worker is reachable: none (fail) or local (run the cloud layers here).")
  String fallback;

  @Option(
      names = "--retry-deadline",
      paramLabel = "DURATION",
      description =
          "How long a generation tries to reach a worker after losing its link (cloud.retry.deadline_ms: "
              + "30s, 1500ms; a plain number is milliseconds). One such failed window marks the cloud down: later "
              + "requests fail or fall back at once until a worker answers again.")
  String retryDeadline;

  @Option(
      names = "--hidden-dtype",
      paramLabel = "DTYPE",
      description = "Hidden states on the wire: fp32, fp16, int8.")
  String hiddenDtype;

  @Option(
      names = "--cloud-tls-ca",
      paramLabel = "PEM",
      description = "TLS to the cloud, trusting this CA (tls.ca).")
  Path cloudTlsCa;

  @Option(
      names = "--cloud-tls-cert",
      paramLabel = "PEM",
      description = "Client certificate presented to the cloud: mutual TLS (tls.cert).")
  Path cloudTlsCert;

  @Option(
      names = "--cloud-tls-key",
      paramLabel = "PEM",
      description = "PKCS#8 PEM key of --cloud-tls-cert (tls.key).")
  Path cloudTlsKey;

  @Option(
      names = "--server-tls-cert",
      paramLabel = "PEM",
      description = "Serve Generate over TLS (server_tls.cert).")
  Path serverTlsCert;

  @Option(
      names = "--server-tls-key",
      paramLabel = "PEM",
      description = "PKCS#8 PEM key of --server-tls-cert.")
  Path serverTlsKey;

  @Option(
      names = "--server-tls-client-ca",
      paramLabel = "PEM",
      description = "CA of client certificates (server_tls.client_ca), for --auth client_cert.")
  Path serverTlsClientCa;

  @Option(
      names = "--auth",
      paramLabel = "MODE",
      description = "Generate client authentication: none, token, client_cert.")
  String auth;

  @Option(
      names = "--tokens-file",
      paramLabel = "FILE",
      description = "Bearer tokens, one 'NAME TOKEN' per line.")
  Path tokensFile;

  @Option(
      names = "--rate-limit",
      paramLabel = "PER_SECOND",
      description = "Generate calls per second per client (limits.rate_per_second; 0 = off).")
  Double rateLimit;

  @Option(
      names = "--max-concurrent-per-client",
      paramLabel = "N",
      description =
          "Running Generate calls per client (limits.max_concurrent_per_client; 0 = off).")
  Integer maxConcurrentPerClient;

  @Option(
      names = "--http",
      paramLabel = "HOST:PORT",
      description =
          "Also serve the OpenAI-compatible HTTP API here (http.listen; off by default): "
              + "/v1/chat/completions, /v1/completions, /v1/models, /health.")
  String http;

  @Option(
      names = "--chat-template",
      paramLabel = "FILE",
      description =
          "Jinja chat template for /v1/chat/completions instead of the model's own (http.chat_template).")
  Path chatTemplate;

  @Option(
      names = "--model-name",
      paramLabel = "NAME",
      description =
          "Model id HTTP clients send and /v1/models lists (http.model_name; default: the model's name).")
  String modelName;

  @Option(
      names = "--return-cut",
      paramLabel = "M",
      description =
          "U-shaped split: the cloud runs only layers [k,M) and sends the hidden states back; the board "
              + "runs [M,N), the LM head and sampling, so no token id, logit or text reaches the cloud (the worker needs "
              + "--return-cut or --any-cut). M = N is the plain split.")
  Integer returnCut;

  @Option(
      names = "--replan",
      description =
          "Compile per layer, profile, probe the link, choose the cut by the "
              + "plan (energy objective) and move it when the link or the edge's speed drifts (the worker needs --any-cut).")
  boolean replan;

  @Option(
      names = "--speculate",
      paramLabel = "SOURCE",
      description =
          "Draft tokens for several tokens per round trip: none, ngram, model, early-exit (speculate.source).")
  String speculate;

  @Option(
      names = "--draft-model",
      paramLabel = "PATH",
      description =
          "Draft model for --speculate model (default: this model compiled int4; speculate.draft_model).")
  Path draftModel;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Map<String, String> overrides = server.overrides();
    Apps.threadsOverride(spec, model, overrides);
    if (cloud != null) {
      List<String> targets = new ArrayList<>();
      for (String t : cloud.split(",")) {
        targets.add(HostPort.parse(t.trim()).toString());
      }
      overrides.put("cloud.target", String.join(",", targets));
    }
    if (fallback != null) {
      overrides.put("cloud.fallback", fallback);
    }
    if (retryDeadline != null) {
      overrides.put("cloud.retry.deadline_ms", retryDeadline);
    }
    if (hiddenDtype != null) {
      overrides.put("cloud.hidden_dtype", hiddenDtype);
    }
    securityOverrides(overrides);
    if (speculate != null) {
      overrides.put("speculate.source", speculate);
    }
    ServerOptions.put(overrides, "speculate.draft_model", draftModel);
    if (http != null) {
      overrides.put("http.listen", HostPort.parse(http).toString());
    }
    ServerOptions.put(overrides, "http.chat_template", chatTemplate);
    overrides.put("http.model_name", modelName != null ? modelName : displayName(model.model));
    EdgeConfig configured = EdgeConfig.load(server.config, System.getenv(), overrides);
    CompiledModel compiled =
        Apps.compiledModel(
            spec,
            model,
            configured.modelDir(),
            replan || returnCut != null ? null : configured.cut());
    ReturnCut.check(spec, configured.cut(), returnCut, compiled.config().nLayers());
    EdgeConfig cfg = configured.withModelDir(compiled.directory());
    RuntimeOptions runtime =
        new RuntimeOptions(cfg.runtime().intraOpThreads(), cfg.runtime().maxContext());
    MeterChoice meterChoice = EnergyMeters.probe(Path.of("/sys"), ProbeOptions.defaults());
    AtomicReference<EdgeAgent> running = new AtomicReference<>();
    List<ManagedChannel> channels = new ArrayList<>();
    List<AutoCloseable> draftChains = new ArrayList<>();
    try (EnergyMeter meter = meterChoice.meter();
        EdgeChains chains = EdgeChains.perLayer(compiled, runtime)) {
      for (String target : cfg.cloud().targets()) {
        // Replies only go into the waiting step's queue: run them on the event loop, saving a
        // thread hop per token.
        channels.add(
            CloudChannels.builder(cfg, target)
                .directExecutor()
                .maxInboundMessageSize(8 << 20)
                .build());
      }
      LinkEstimator link = new LinkEstimator(0.2, 0.25);
      Channel probed = probeFirstReachable(channels, cfg, compiled.config().dim(), link);
      if (probed == null && replan) {
        throw new IllegalStateException(
            "--replan needs a reachable cloud worker at start (its per-layer profile); "
                + "none of "
                + cfg.cloud().targets()
                + " answered");
      }
      EdgeMetrics metrics =
          new EdgeMetrics(
              () -> running.get() == null ? cfg.cut() : running.get().cut(),
              () -> probed == null ? Optional.empty() : Optional.of(link.current()),
              Optional.of(meter));
      List<StepListener> listeners =
          new ArrayList<>(
              List.of(metrics, new EnergyLogListener(new EnergyLog(), cfg.logTokens())));
      Replanner replanner = null;
      if (replan) {
        LayerProfile profile =
            new ProfileBuilder(compiled, runtime, meter, ProfileSettings.defaults())
                .build(
                    PlanCommand.deviceId(meter.source().kind(), runtime.intraOpThreads()),
                    probed,
                    false,
                    Duration.ofMinutes(5))
                .profile();
        replanner =
            new Replanner(
                profile,
                WireTypes.of(cfg.cloud().hiddenDtype()),
                PlanConstraints.defaults(compiled.manifest().maxContext()),
                PlanGoal.energy(),
                link,
                () -> running.get().cut(),
                k -> running.get().useCut(k),
                Replanner.Settings.defaults());
        listeners.add(replanner);
      }
      Speculation speculation =
          Speculations.open(
              cfg, compiled, model, runtime, spec.commandLine().getErr(), draftChains);
      try (EdgeAgent agent =
              new EdgeAgent(
                      cfg,
                      chains,
                      compiled.fingerprint(),
                      Tokenizers.load(compiled.tokenizerFile(), compiled.config().vocabSize()),
                      List.<Channel>copyOf(channels),
                      new StepHooks(
                          new MeteredStepEnergy(meter),
                          StepListener.all(listeners),
                          EdgeSlowdown.none()),
                      returnCut == null ? -1 : returnCut)
                  .speculation(speculation);
          AutoCloseable http =
              Apps.closeable(
                  MetricsHttpServer.startIfEnabled(cfg.metricsListen(), metrics::scrape))) {
        running.set(agent);
        metrics.watch(agent.breaker());
        agent.start();
        if (replanner != null) {
          replanner.planNow("start");
        }
        Apps.closeOnShutdown(agent);
        spec.commandLine()
            .getOut()
            .printf(
                "edge agent running embedding + layers [0,%d)%s of %s on %s:%d, cloud %s%s%n",
                agent.cut(),
                ReturnCut.describe(returnCut, compiled.config().nLayers()),
                compiled.config().architecture(),
                cfg.listen().host(),
                agent.port(),
                String.join(",", cfg.cloud().targets()),
                cfg.recovery().fallback() == EdgeConfig.Fallback.LOCAL ? " (local fallback)" : "");
        spec.commandLine()
            .getOut()
            .printf(
                "energy: %s; link: %s; metrics: %s%n",
                meter.source().label(),
                probed == null
                    ? "not measured (no cloud worker answered at start)"
                    : describe(link.current()),
                cfg.metricsListen());
        if (agent.httpPort() >= 0) {
          spec.commandLine()
              .getOut()
              .printf(
                  "OpenAI-compatible HTTP API: http%s://%s:%d/v1 (model '%s')%n",
                  cfg.security().serverTls().enabled() ? "s" : "",
                  cfg.http().host(),
                  agent.httpPort(),
                  cfg.http().modelName());
        }
        spec.commandLine().getOut().flush();
        agent.blockUntilShutdown();
      }
    } finally {
      for (ManagedChannel channel : channels) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      for (AutoCloseable c : draftChains) {
        c.close();
      }
    }
    return 0;
  }

  /** The start-up line's link: "RTT 4.90 ms, 812.3 Mbit/s (5 samples)". */
  static String describe(LinkEstimate link) {
    return String.format(
        java.util.Locale.ROOT,
        "RTT %.2f ms, %.1f Mbit/s (%d samples)",
        link.rttMillis(),
        link.bandwidthBitsPerSecond() / 1e6,
        link.samples());
  }

  /**
   * The model id the HTTP API serves when none is given: the model file or directory name without
   * its extension ("stories260K" for the default model).
   */
  static String displayName(String model) {
    if (model == null || model.isBlank()) {
      return "stories260K";
    }
    if (model.startsWith("synthetic:")) {
      return model.substring("synthetic:".length());
    }
    Path name = Path.of(model).getFileName();
    String text = name == null ? model : name.toString();
    int dot = text.lastIndexOf('.');
    return dot > 0 && (text.endsWith(".bin") || text.endsWith(".gguf"))
        ? text.substring(0, dot)
        : text;
  }

  /**
   * Calibrates {@code link} with probes of the workers in order and returns the first that answered
   * (it also serves the re-planner's cloud profile), or null when none did: workers that are down
   * at start must not keep the board from booting (the agent then starts with the cloud marked
   * down).
   */
  private Channel probeFirstReachable(
      List<ManagedChannel> channels, EdgeConfig cfg, int dim, LinkEstimator link) {
    CloudLinkException last = null;
    for (ManagedChannel channel : channels) {
      try {
        link.calibrate(
            new LinkProber(channel, cfg.cloud().handshakeTimeout())
                .probe(LinkProber.activationSizes(dim, 2, 1 << 20), 5));
        return channel;
      } catch (CloudLinkException e) {
        last = e;
      }
    }
    spec.commandLine()
        .getErr()
        .printf(
            "edgesplit: no cloud worker of %s answered the link probe (%s); starting with "
                + "the cloud marked down%n",
            cfg.cloud().targets(), last == null ? "" : last.getMessage());
    spec.commandLine().getErr().flush();
    return null;
  }

  private void securityOverrides(Map<String, String> o) {
    if (cloudTlsCa != null || cloudTlsCert != null) {
      o.put("tls.enabled", "true");
    }
    ServerOptions.put(o, "tls.ca", cloudTlsCa);
    ServerOptions.put(o, "tls.cert", cloudTlsCert);
    ServerOptions.put(o, "tls.key", cloudTlsKey);
    if (serverTlsCert != null || serverTlsKey != null) {
      o.put("server_tls.enabled", "true");
    }
    ServerOptions.put(o, "server_tls.cert", serverTlsCert);
    ServerOptions.put(o, "server_tls.key", serverTlsKey);
    ServerOptions.put(o, "server_tls.client_ca", serverTlsClientCa);
    if (auth != null) {
      o.put("auth.mode", auth);
    }
    ServerOptions.put(o, "auth.tokens_file", tokensFile);
    if (rateLimit != null) {
      o.put("limits.rate_per_second", String.valueOf(rateLimit));
    }
    if (maxConcurrentPerClient != null) {
      o.put("limits.max_concurrent_per_client", String.valueOf(maxConcurrentPerClient));
    }
  }
}
