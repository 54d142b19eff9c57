package dev.edgesplit.bench;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.BatchingCloudCompute;
import dev.edgesplit.cloud.compute.ChainCloudCompute;
import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.compute.PerLayerCloudCompute;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.plan.EdgeChains;
import dev.edgesplit.edge.speculate.DraftSources;
import dev.edgesplit.edge.speculate.Speculation;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.cache.BenchModel;
import dev.edgesplit.partitioner.cache.ModelCache;
import dev.edgesplit.partitioner.cache.Workspace;
import dev.edgesplit.partitioner.options.ReturnCut;
import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.server.energy.StepEnergy;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgesplit bench speculate}: a real cloud worker and edge agent in this process, talking
 * gRPC over loopback sockets through a {@link DelayProxy} that adds {@code --link-rtt}; for each
 * prompt, one generation per draft source, side by side: tokens/s, tokens per round trip,
 * acceptance, and whether the text equals the text of one token per round trip.
 */
@Command(
    name = "speculate",
    mixinStandardHelpOptions = true,
    description =
        "Speculative decoding over an emulated link: tokens/s and tokens per round trip of each draft "
            + "source (none, ngram, model, early-exit) side by side.")
final class SpeculateCommand implements Callable<Integer> {

  static final List<String> DEFAULT_PROMPTS =
      List.of(
          "Once upon a time",
          "Tom and Lily went to the park. They",
          "The little dog was sad because",
          "One day, a girl named Sue found a box.");

  @Option(
      names = "--model",
      paramLabel = "MODEL",
      required = true,
      description = "Checkpoint path or synthetic:NAME (the target, split at --cut).")
  String model;

  @Option(
      names = "--quant",
      defaultValue = "fp32",
      description = "Target weights (default: ${DEFAULT-VALUE}).")
  String quant;

  @Option(
      names = "--draft-model",
      paramLabel = "MODEL",
      description =
          "Draft model with the target's vocabulary (default: the target itself, compiled --draft-quant).")
  String draftModel;

  @Option(
      names = "--draft-quant",
      defaultValue = "int4",
      description = "Draft weights (default: ${DEFAULT-VALUE}).")
  String draftQuant;

  @Option(
      names = "--cut",
      defaultValue = "3",
      description = "Layer cut (default: ${DEFAULT-VALUE}).")
  int cut;

  @Option(
      names = "--link-rtt",
      paramLabel = "MS",
      defaultValue = "50",
      description =
          "Round trip the delay proxy adds between edge and worker, ms (default: ${DEFAULT-VALUE}).")
  double linkRtt;

  @Option(
      names = "--speculate",
      split = ",",
      defaultValue = "none,ngram,model,early-exit",
      description = "Draft sources to compare (default: ${DEFAULT-VALUE}).")
  List<String> sources;

  @Option(
      names = "--tokens",
      defaultValue = "200",
      description = "Tokens per generation (default: ${DEFAULT-VALUE}).")
  int tokens;

  @Option(
      names = "--max-window",
      defaultValue = "16",
      description = "Most drafts per round trip (default: ${DEFAULT-VALUE}).")
  int maxWindow;

  @Option(
      names = "--max-context",
      defaultValue = "512",
      description = "Compiled context (default: ${DEFAULT-VALUE}).")
  int maxContext;

  @Option(
      names = "--prompt",
      paramLabel = "TEXT",
      description = "A prompt (repeatable; default: four story openings).")
  List<String> prompts;

  @Option(
      names = "--hidden-dtype",
      defaultValue = "fp16",
      description = "Hidden states on the wire (default: ${DEFAULT-VALUE}).")
  String hiddenDtype;

  @Option(
      names = "--concurrent",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Generations at once per source (prompts round robin): aggregate tokens/s (default: ${DEFAULT-VALUE}).")
  int concurrent;

  @Option(
      names = "--return-cut",
      paramLabel = "M",
      description =
          "U-shaped split: the worker runs only [--cut,M) (a per-layer worker), the board verifies each "
              + "window through [M,N) and the head. M = N is the plain split.")
  Integer returnCut;

  @Option(
      names = "--batch",
      description =
          "The worker batches the decode steps of its sessions (one KV slot each, "
              + "--concurrent slots): each window position of every session joins the other sessions' steps.")
  boolean batch;

  @Spec CommandSpec spec;

  private record Row(
      String prompt, DraftSource source, GenerationSummary summary, boolean sameText) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter log = spec.commandLine().getErr();
    List<String> texts = prompts == null || prompts.isEmpty() ? DEFAULT_PROMPTS : prompts;
    List<DraftSource> chosen = sources.stream().map(DraftSources::parse).toList();
    ModelCache models = new ModelCache(Workspace.compiledCache(), log);
    BenchModel.Settings settings = new BenchModel.Settings(maxContext, 32, 4);
    WeightFormat targetFormat = WeightFormat.parse(quant);
    WeightFormat draftFormat = WeightFormat.parse(draftQuant);
    CompiledModel target = models.bench(model, targetFormat, settings, List.of(cut));
    CompiledModel draft =
        models.bench(draftModel == null ? model : draftModel, draftFormat, settings, List.of());
    int n = target.config().nLayers();
    ReturnCut.check(spec, cut, returnCut, n);
    boolean uShaped = returnCut != null && returnCut < n;
    RuntimeOptions runtime = RuntimeOptions.defaults();
    List<Row> rows = new ArrayList<>();
    List<Aggregate> aggregates = new ArrayList<>();
    try (SegmentChain edgeChain = target.openEdge(cut, runtime);
        SegmentChain cloudChain = target.openCloud(cut, runtime);
        AutoCloseable batched =
            !batch
                ? () -> {}
                : uShaped
                    ? BatchingCloudCompute.forModel(
                        target, runtime, cut, returnCut, Math.max(2, concurrent))
                    : BatchingCloudCompute.owning(
                        target.openCloudBatched(cut, runtime, Math.max(2, concurrent)),
                        target.fingerprint());
        SegmentChain head = target.openLayers(n, n, false, true, targetFormat, runtime);
        SegmentChain draftChain = draft.openWhole(draftFormat, runtime);
        // The U shape: a worker serving [cut, returnCut) from the per-layer segments, and the
        // board's chains for [0, cut) and [returnCut, N) + head.
        PerLayerCloudCompute ranges =
            uShaped && !batch ? new PerLayerCloudCompute(target, runtime, cut) : null;
        EdgeChains chains = uShaped ? EdgeChains.perLayer(target, runtime) : null) {
      CloudCompute compute =
          batch
              ? (CloudCompute) batched
              : uShaped ? ranges : new ChainCloudCompute(cloudChain, target.fingerprint());
      CloudWorker worker =
          new CloudWorker(
                  CloudConfig.load(
                      null,
                      Map.of(),
                      Map.of(
                          "listen.port",
                          "0",
                          "model.cut",
                          String.valueOf(cut),
                          "runtime.step_threads",
                          String.valueOf(Math.max(2, concurrent + 2)),
                          "metrics.listen",
                          "off")),
                  compute,
                  new EngineSamplerFactory(),
                  StepEnergy.none())
              .start();
      try (DelayProxy link =
          new DelayProxy(new InetSocketAddress("127.0.0.1", worker.port()), linkRtt)) {
        ManagedChannel toCloud =
            NettyChannelBuilder.forAddress("127.0.0.1", link.port())
                .usePlaintext()
                .directExecutor()
                .build();
        Map<String, String> edgeSettings =
            new HashMap<>(
                Map.of(
                    "listen.port",
                    "0",
                    "model.cut",
                    String.valueOf(cut),
                    "cloud.target",
                    "127.0.0.1:" + link.port(),
                    "cloud.hidden_dtype",
                    hiddenDtype,
                    "speculate.max_window",
                    String.valueOf(maxWindow),
                    "metrics.listen",
                    "off"));
        EdgeConfig config = EdgeConfig.load(null, Map.of(), edgeSettings);
        var tokenizer = Tokenizers.load(target.tokenizerFile(), target.config().vocabSize());
        EdgeAgent agent =
            (uShaped
                    ? new EdgeAgent(
                        config,
                        chains,
                        target.fingerprint(),
                        tokenizer,
                        List.of(toCloud),
                        StepHooks.of(StepEnergy.none()),
                        returnCut)
                    : new EdgeAgent(
                        config,
                        edgeChain,
                        target.fingerprint(),
                        tokenizer,
                        toCloud,
                        StepEnergy.none()))
                .speculation(
                    new Speculation(DraftSource.DRAFT_SOURCE_NONE, maxWindow, draftChain, head))
                .start();
        ManagedChannel client =
            NettyChannelBuilder.forAddress("127.0.0.1", agent.port()).usePlaintext().build();
        try {
          log.printf(
              "bench speculate: %s (%s) cut %d%s, draft %s (%s), link RTT %.0f ms through a delay proxy, "
                  + "%d tokens, greedy%n",
              model,
              quant,
              cut,
              uShaped ? ", U-shaped: the worker runs [" + cut + "," + returnCut + ")" : "",
              draftModel == null ? model : draftModel,
              draftQuant,
              linkRtt,
              tokens);
          log.flush();
          for (DraftSource source : chosen) {
            generate(client, texts.get(0), source, 8); // warm-up: JIT, handshake, sessions
          }
          if (concurrent > 1) {
            for (DraftSource source : chosen) {
              aggregates.add(aggregate(client, texts, source));
              Aggregate a = aggregates.get(aggregates.size() - 1);
              log.printf(
                  "  %-12s %d at once: %.1f tok/s together, %.2f tok/trip%n",
                  DraftSources.name(source), concurrent, a.tokensPerSecond, a.tokensPerTrip);
              log.flush();
            }
          }
          for (String prompt : concurrent > 1 ? List.<String>of() : texts) {
            String plain = null;
            for (DraftSource source : chosen) {
              Generated g = generate(client, prompt, source, tokens);
              if (source == DraftSource.DRAFT_SOURCE_NONE) {
                plain = g.text;
              }
              rows.add(new Row(prompt, source, g.summary, plain == null || plain.equals(g.text)));
              log.printf(
                  "  %-12s %-40s %7.1f tok/s  %5.2f tok/trip%n",
                  DraftSources.name(source),
                  '"' + prompt + '"',
                  g.summary.getTokensPerSecond(),
                  g.summary.getTokensPerRoundTrip());
              log.flush();
            }
          }
        } finally {
          client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
          agent.close();
          toCloud.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      } finally {
        worker.close();
      }
    }
    if (concurrent > 1) {
      out.printf(
          "%n%d generations at once per source (%s worker), %d tokens each:%n| source | tokens/s together | "
              + "tokens per round trip | texts = none's |%n|---|---|---|---|%n",
          concurrent, batch ? "batching" : "unbatched", tokens);
      for (Aggregate a : aggregates) {
        out.printf(
            Locale.ROOT,
            "| %s | %.1f | %.2f | %s |%n",
            DraftSources.name(a.source),
            a.tokensPerSecond,
            a.tokensPerTrip,
            a.sameTexts ? "yes" : "NO");
      }
      out.flush();
      return 0;
    }
    print(out, rows, chosen, texts);
    return 0;
  }

  private record Aggregate(
      DraftSource source,
      double tokensPerSecond,
      double tokensPerTrip,
      boolean sameTexts,
      List<String> texts) {}

  private List<String> plainTexts;

  /**
   * {@code concurrent} generations at once, prompts round robin; tokens of all of them over the
   * wall time.
   */
  private Aggregate aggregate(ManagedChannel client, List<String> prompts, DraftSource source)
      throws Exception {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(concurrent);
    try {
      long t0 = System.nanoTime();
      List<java.util.concurrent.Future<Generated>> futures = new ArrayList<>();
      for (int i = 0; i < concurrent; i++) {
        String prompt = prompts.get(i % prompts.size());
        futures.add(pool.submit(() -> generate(client, prompt, source, tokens)));
      }
      List<String> texts = new ArrayList<>();
      long generated = 0;
      long trips = 0;
      for (java.util.concurrent.Future<Generated> f : futures) {
        Generated g = f.get(30, TimeUnit.MINUTES);
        texts.add(g.text);
        generated += g.summary.getGeneratedTokens();
        trips += g.summary.getRoundTrips();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (source == DraftSource.DRAFT_SOURCE_NONE) {
        plainTexts = texts;
      }
      return new Aggregate(
          source,
          generated / seconds,
          (double) generated / Math.max(1, trips),
          plainTexts == null || plainTexts.equals(texts),
          texts);
    } finally {
      pool.shutdownNow();
    }
  }

  private record Generated(String text, GenerationSummary summary) {}

  private static Generated generate(
      ManagedChannel client, String prompt, DraftSource source, int tokens) {
    GenerateRequest request =
        GenerateRequest.newBuilder()
            .setText(prompt)
            .setMaxNewTokens(tokens)
            .setSampling(SamplingParams.newBuilder().setTemperature(0f))
            .setDraftSource(source)
            .build();
    StringBuilder text = new StringBuilder();
    GenerationSummary summary = null;
    Iterator<GenerateResponse> it =
        EdgeServiceGrpc.newBlockingStub(client)
            .withDeadlineAfter(10, TimeUnit.MINUTES)
            .generate(request);
    while (it.hasNext()) {
      GenerateResponse r = it.next();
      if (r.hasToken()) {
        text.append(r.getToken().getText());
      } else {
        summary = r.getSummary();
      }
    }
    return new Generated(text.toString(), summary);
  }

  private void print(
      PrintWriter out, List<Row> rows, List<DraftSource> chosen, List<String> texts) {
    out.printf(
        "%n| source | tokens/s (mean of %d prompts) | x none | tokens per round trip | acceptance | "
            + "draft ms/token | text = none's |%n|---|---|---|---|---|---|---|%n",
        texts.size());
    double none = meanRate(rows, DraftSource.DRAFT_SOURCE_NONE);
    for (DraftSource source : chosen) {
      List<Row> mine = rows.stream().filter(r -> r.source == source).toList();
      double rate = meanRate(rows, source);
      double perTrip =
          mine.stream().mapToDouble(r -> r.summary.getTokensPerRoundTrip()).average().orElse(0);
      double acceptance =
          mine.stream().mapToDouble(r -> r.summary.getAcceptanceRate()).average().orElse(0);
      double draftMs =
          mine.stream().mapToDouble(r -> r.summary.getDraftMsPerToken()).average().orElse(0);
      boolean same = mine.stream().allMatch(Row::sameText);
      out.printf(
          Locale.ROOT,
          "| %s | %.1f | %s | %.2f | %s | %.3f | %s |%n",
          DraftSources.name(source),
          rate,
          Double.isNaN(none) || none == 0 ? "-" : String.format(Locale.ROOT, "%.2fx", rate / none),
          perTrip,
          source == DraftSource.DRAFT_SOURCE_NONE
              ? "-"
              : String.format(Locale.ROOT, "%.0f%%", 100 * acceptance),
          draftMs,
          same ? "yes" : "NO");
    }
    // Whether drafting the next window during a verification would pay: it can hide at most the
    // board's part of a round trip (drafting + the window's edge layers) behind the link and the
    // worker.
    out.printf(
        "%nper decode round trip, ms (mean over prompts): | source | edge (drafting included) | "
            + "drafting | worker | link | board share of the trip |%n|---|---|---|---|---|---|%n");
    for (DraftSource source : chosen) {
      List<Row> mine = rows.stream().filter(r -> r.source == source).toList();
      double edge =
          mine.stream().mapToDouble(r -> r.summary.getEdgeMsPerToken()).average().orElse(0);
      double cloud =
          mine.stream().mapToDouble(r -> r.summary.getCloudMsPerToken()).average().orElse(0);
      double link =
          mine.stream().mapToDouble(r -> r.summary.getLinkMsPerToken()).average().orElse(0);
      double drafting =
          mine.stream()
              .mapToDouble(
                  r ->
                      r.summary.getDraftMsPerToken()
                          * r.summary.getGeneratedTokens()
                          / Math.max(1, r.summary.getRoundTrips() - 1))
              .average()
              .orElse(0);
      out.printf(
          Locale.ROOT,
          "| %s | %.2f | %.2f | %.2f | %.2f | %.0f%% |%n",
          DraftSources.name(source),
          edge,
          drafting,
          cloud,
          link,
          100 * edge / Math.max(1e-9, edge + cloud + link));
    }
    out.printf("%nper prompt, tokens/s (tokens per round trip):%n| prompt |");
    chosen.forEach(s -> out.printf(" %s |", DraftSources.name(s)));
    out.printf("%n|---|%s%n", "---|".repeat(chosen.size()));
    for (String prompt : texts) {
      out.printf("| %s |", prompt);
      for (DraftSource source : chosen) {
        rows.stream()
            .filter(r -> r.prompt.equals(prompt) && r.source == source)
            .findFirst()
            .ifPresent(
                r ->
                    out.printf(
                        Locale.ROOT,
                        " %.1f (%.2f) |",
                        r.summary.getTokensPerSecond(),
                        r.summary.getTokensPerRoundTrip()));
      }
      out.println();
    }
    out.flush();
  }

  private static double meanRate(List<Row> rows, DraftSource source) {
    return rows.stream()
        .filter(r -> r.source == source)
        .mapToDouble(r -> r.summary.getTokensPerSecond())
        .average()
        .orElse(Double.NaN);
  }
}
