package dev.edgesplit.cli;

import dev.edgesplit.edge.link.LinkProber;
import dev.edgesplit.edge.plan.ProfileBuilder;
import dev.edgesplit.engine.energy.DeviceProfile;
import dev.edgesplit.engine.energy.EnergyMeters;
import dev.edgesplit.engine.energy.MeterChoice;
import dev.edgesplit.engine.energy.ProbeOptions;
import dev.edgesplit.engine.profile.ProfileSettings;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.partitioner.cache.Workspace;
import dev.edgesplit.partitioner.options.ReturnCut;
import dev.edgesplit.partitioner.privacy.AuditReport;
import dev.edgesplit.planner.CutPlan;
import dev.edgesplit.planner.CutPlanner;
import dev.edgesplit.planner.CutRow;
import dev.edgesplit.planner.LayerProfile;
import dev.edgesplit.planner.LayerProfileStore;
import dev.edgesplit.planner.LiveCalibration;
import dev.edgesplit.planner.PlanChart;
import dev.edgesplit.planner.PlanConstraints;
import dev.edgesplit.planner.PlanGoal;
import dev.edgesplit.planner.PlanJson;
import dev.edgesplit.planner.PlanTable;
import dev.edgesplit.planner.TokenRecoveryLimit;
import dev.edgesplit.planner.WireDType;
import dev.edgesplit.planner.link.LinkEstimate;
import dev.edgesplit.planner.link.LinkEstimator;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code edgesplit plan}: profiles the model's layers on this device (cached), gets the cloud's
 * per-layer cost, measures the link, prices every cut and prints the table with the choice; writes
 * plan.json and plan.svg. With {@code --measure-tokens}, also runs real decode steps at every cut
 * and prints measured against predicted.
 */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description =
        "Choose the cut: profile layers, measure the link, price every cut, print and save the plan.")
final class PlanCommand implements Callable<Integer> {

  /** Round-robin passes over the cuts when measuring (see {@link CutMeasurer#measure}). */
  private static final int MEASURE_PASSES = 3;

  @Mixin ModelOptions model;

  @Option(
      names = "--cloud",
      paramLabel = "HOST:PORT",
      description =
          "Cloud worker: its Profile RPC gives cloud layer times and Probe measures the link. "
              + "Without it the cloud format is timed locally and --bandwidth/--rtt are required.")
  String cloud;

  @Option(
      names = "--objective",
      defaultValue = "energy",
      description = "energy, latency or weighted (default: ${DEFAULT-VALUE}).")
  String objective;

  @Option(
      names = "--alpha",
      defaultValue = "0.5",
      description = "Weight of energy for --objective weighted.")
  double alpha;

  @Option(
      names = "--latency-target-ms",
      paramLabel = "X",
      description = "Reject cuts slower than this per token.")
  Double latencyTargetMs;

  @Option(
      names = "--edge-memory-mb",
      paramLabel = "Y",
      description = "Reject cuts needing more edge memory (MiB).")
  Long edgeMemoryMb;

  @Option(
      names = "--bandwidth",
      paramLabel = "RATE",
      converter = UnitConverters.Mbits.class,
      description =
          "Use this bandwidth instead of probing: 10mbit, 1.5gbit, 800kbit; a plain number is Mbit/s.")
  Double bandwidthMbit;

  @Option(
      names = "--rtt",
      paramLabel = "TIME",
      converter = UnitConverters.Millis.class,
      description = "Use this RTT instead of probing: 50ms, 0.2s; a plain number is milliseconds.")
  Double rttMs;

  @Option(
      names = "--tokens-per-round-trip",
      paramLabel = "T",
      defaultValue = "1",
      description =
          "Generated tokens per round trip measured with speculative decoding (the summary's "
              + "tokens_per_round_trip, >= 1): each token pays RTT/T of the link (default: ${DEFAULT-VALUE}, "
              + "one token per round trip).")
  double tokensPerRoundTrip;

  @Option(
      names = "--return-cut",
      paramLabel = "M",
      description =
          "Price the U-shaped split: the worker runs only [k,M), the board also [M,N), the head and "
              + "sampling; the link carries h_k out and h_M back each token. M = N is the plain split.")
  Integer returnCut;

  @Option(
      names = "--min-edge-layers",
      defaultValue = "1",
      description =
          "Manual floor of edge layers (default: ${DEFAULT-VALUE}); it keeps token ids off the link, not the tokens: see --max-token-recovery.")
  int minEdgeLayers;

  @Option(
      names = "--max-token-recovery",
      paramLabel = "P",
      description =
          "Privacy floor from the inversion audit: reject cuts where a cloud operator recovers more than "
              + "this share (0..1) of tokens (the audit of --audit, else the cached one of `edgesplit privacy`, else "
              + "run now).")
  Double maxTokenRecovery;

  @Option(
      names = "--audit",
      paramLabel = "FILE",
      description = "privacy.json written by `edgesplit privacy`.")
  Path audit;

  @Option(
      names = "--wire",
      defaultValue = "fp16",
      description = "Hidden states on the wire: fp32, fp16, int8.")
  String wire;

  @Option(
      names = "--device-profile",
      paramLabel = "ID",
      description =
          "Power profile of the estimate when no sensor exists (rpi4, rpi5, jetson-orin-nano, x86-server); "
              + "default: detected.")
  String deviceProfile;

  @Option(names = "--reprofile", description = "Ignore the cached layer profile and measure again.")
  boolean reprofile;

  @Option(
      names = "--profile-tokens",
      defaultValue = "16",
      description = "Timed decode steps per layer.")
  int profileTokens;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = ".",
      description = "Where plan.json and plan.svg go.")
  Path out;

  @Option(
      names = "--measure-tokens",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Also run N real decode tokens at every cut against --cloud and compare with the prediction.")
  int measureTokens;

  @Option(
      names = "--measure-warmup-seconds",
      paramLabel = "S",
      defaultValue = "20",
      description =
          "With --measure-tokens: untimed decode steps for this long before the first cut is measured, "
              + "so that both processes' gRPC path is JIT-compiled (default: ${DEFAULT-VALUE}).")
  int measureWarmupSeconds;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter outw = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!(tokensPerRoundTrip >= 1) || Double.isInfinite(tokensPerRoundTrip)) {
      throw new IllegalArgumentException(
          "--tokens-per-round-trip must be >= 1, got " + tokensPerRoundTrip);
    }
    CompiledModel compiled = model.compiled(err, null);
    ReturnCut.check(spec, returnCut, compiled.config().nLayers());
    if (returnCut != null && measureTokens > 0) {
      throw new ParameterException(
          spec.commandLine(), "--measure-tokens measures the plain split: not with --return-cut");
    }
    if ((bandwidthMbit == null) != (rttMs == null)) {
      throw new IllegalArgumentException("--bandwidth and --rtt go together");
    }
    if (cloud == null && bandwidthMbit == null) {
      throw new IllegalArgumentException(
          "give --cloud HOST:PORT to probe the link, or --bandwidth and --rtt");
    }
    ProbeOptions probe = ProbeOptions.defaults();
    if (deviceProfile != null) {
      probe = probe.withEstimateProfile(DeviceProfile.byId(deviceProfile));
    }
    MeterChoice choice = EnergyMeters.probe(Path.of("/sys"), probe);
    ManagedChannel channel = null;
    if (cloud != null) {
      HostPort hp = HostPort.parse(cloud);
      channel =
          NettyChannelBuilder.forAddress(hp.host(), hp.port())
              .usePlaintext()
              .maxInboundMessageSize(8 << 20)
              .build();
    }
    try (var meter = choice.meter()) {
      RuntimeOptions runtime = new RuntimeOptions(model.threads, 0);
      String device = deviceId(meter.source().kind(), model.threads);
      LayerProfileStore store = new LayerProfileStore(Workspace.home().resolve("profiles"));
      Optional<LayerProfile> cached =
          reprofile
              ? Optional.empty()
              : store.load(device, compiled.fingerprint(), compiled.manifest().edgeWeights());
      LayerProfile profile;
      if (cached.isPresent()) {
        profile = cached.get();
        outw.printf(
            "layer profile: cached %s%n",
            store.fileFor(device, compiled.fingerprint(), compiled.manifest().edgeWeights()));
      } else {
        outw.printf(
            "profiling %d layers on this device (%s) ...%n", compiled.config().nLayers(), device);
        outw.flush();
        ProfileBuilder.Result r =
            new ProfileBuilder(compiled, runtime, meter, new ProfileSettings(32, 4, profileTokens))
                .build(device, channel, true, Duration.ofMinutes(5));
        profile = r.profile();
        Path file = store.save(profile);
        outw.printf("layer profile saved to %s; cloud costs: %s%n", file, r.cloudSource());
      }
      LinkEstimate link;
      if (bandwidthMbit != null) {
        link = new LinkEstimate(rttMs, bandwidthMbit * 1e6, 0);
        outw.printf("link: given --bandwidth %.3f Mbit/s --rtt %.3f ms%n", bandwidthMbit, rttMs);
      } else {
        WireDType w = wireType();
        int element = (int) (w.bytesPerToken(compiled.config().dim()) / compiled.config().dim());
        List<Integer> sizes =
            LinkProber.activationSizes(compiled.config().dim(), Math.max(1, element), 1 << 20);
        link =
            LiveCalibration.anchoredAtDecodeSize(
                new LinkProber(channel, Duration.ofSeconds(30)).probe(sizes, 5));
        outw.printf(
            Locale.ROOT,
            "link: probed with frames of %s bytes: RTT %.3f ms, %.3f Mbit/s%n",
            sizes,
            link.rttMillis(),
            link.bandwidthBitsPerSecond() / 1e6);
      }
      PlanConstraints constraints =
          PlanConstraints.defaults(compiled.manifest().maxContext())
              .withMinEdgeLayers(minEdgeLayers)
              .withTokensPerRoundTrip(tokensPerRoundTrip);
      if (latencyTargetMs != null) {
        constraints = constraints.withLatencyTarget(latencyTargetMs);
      }
      if (edgeMemoryMb != null) {
        constraints = constraints.withMemoryBudget(edgeMemoryMb << 20);
      }
      if (maxTokenRecovery != null) {
        constraints =
            constraints.withTokenRecovery(
                new TokenRecoveryLimit(maxTokenRecovery, auditFor(compiled, outw).bestByCut()));
      }
      CutPlan plan = plan(profile, link, constraints);
      Files.createDirectories(out);
      show(outw, plan);
      if (measureTokens > 0) {
        if (channel == null) {
          throw new IllegalArgumentException("--measure-tokens needs --cloud");
        }
        CutMeasurer measurer = new CutMeasurer(compiled, runtime, channel, meter);
        if (measureWarmupSeconds > 0) {
          plan = warmUpAndRefine(outw, plan, measurer, profile, link, constraints);
        }
        measure(outw, plan, measurer);
      }
      outw.flush();
    } finally {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    return 0;
  }

  /**
   * Runs real decode steps for --measure-warmup-seconds (both processes' JIT warms up), and, as the
   * edge agent does while serving, refines the plan with what those steps saw: the probed link so
   * that a decode frame's predicted time is the live steps' median link time (round trip minus the
   * worker's compute), and the profiled compute so that the warm-up cut's edge and cloud times are
   * the live medians (the profile keeps the shape across layers; a shared machine's speed moves
   * between the profiling and now). Prices the cuts again and writes the plan again.
   */
  private CutPlan warmUpAndRefine(
      PrintWriter outw,
      CutPlan plan,
      CutMeasurer measurer,
      LayerProfile profile,
      LinkEstimate probed,
      PlanConstraints constraints)
      throws IOException {
    List<CutRow> split = plan.rows().stream().filter(r -> !r.edgeOnly()).toList();
    if (split.isEmpty()) {
      return plan;
    }
    CutRow row = split.get(split.size() / 2);
    outw.printf("warming up for %d s at cut %d ...%n", measureWarmupSeconds, row.cut());
    outw.flush();
    CutMeasurer.Live live = measurer.warmUp(row.cut(), Duration.ofSeconds(measureWarmupSeconds));
    if (live.linkMillis().isEmpty()) {
      return plan;
    }
    double liveLinkMs = LinkEstimator.median(live.linkMillis());
    LinkEstimate link =
        liveLinkMs > 0
            ? LiveCalibration.refinedByLive(
                probed,
                liveLinkMs,
                wireType().bytesPerToken(profile.shape().dim()),
                live.linkMillis().size())
            : probed;
    outw.printf(
        Locale.ROOT,
        "link refined by %d live decode steps: RTT %.3f ms (probe: %.3f ms), %.3f Mbit/s%n",
        live.linkMillis().size(),
        link.rttMillis(),
        probed.rttMillis(),
        link.bandwidthBitsPerSecond() / 1e6);
    double liveEdgeMs = LinkEstimator.median(live.edgeMillis());
    double liveCloudMs = LinkEstimator.median(live.cloudMillis());
    outw.printf(
        Locale.ROOT,
        "compute at cut %d, live vs profiled: edge %.3f vs %.3f ms, cloud %.3f vs %.3f ms; "
            + "profile scaled x%.3f (edge), x%.3f (cloud)%n",
        row.cut(),
        liveEdgeMs,
        row.edgeMillis(),
        liveCloudMs,
        row.cloudMillis(),
        LiveCalibration.ratio(liveEdgeMs, row.edgeMillis()),
        LiveCalibration.ratio(liveCloudMs, row.cloudMillis()));
    LayerProfile calibrated = LiveCalibration.calibrated(profile, row, liveEdgeMs, liveCloudMs);
    CutPlan again = plan(calibrated, link, constraints);
    show(outw, again);
    return again;
  }

  /**
   * The inversion audit of this model: --audit, else the one cached by {@code edgesplit privacy},
   * else run now.
   */
  private AuditReport auditFor(CompiledModel compiled, PrintWriter outw) throws IOException {
    if (maxTokenRecovery < 0 || maxTokenRecovery > 1) {
      throw new IllegalArgumentException(
          "--max-token-recovery must be a share between 0 and 1, got " + maxTokenRecovery);
    }
    if (audit != null) {
      return AuditReport.read(audit);
    }
    AuditReport cached = PrivacyCommand.cached(compiled.fingerprint());
    if (cached != null) {
      outw.println("token recovery: the cached audit of `edgesplit privacy` for this model");
      return cached;
    }
    outw.println(
        "token recovery: no audit of this model yet; running `edgesplit privacy` with its defaults ...");
    outw.flush();
    return PrivacyCommand.audit(
        spec.commandLine().getErr(), model, PrivacyCommand.Settings.defaults());
  }

  /** Every cut priced in the plain split, or in the U shape with --return-cut. */
  private CutPlan plan(LayerProfile profile, LinkEstimate link, PlanConstraints constraints) {
    return returnCut == null
        ? new CutPlanner().plan(profile, link, wireType(), constraints, goal())
        : new CutPlanner().planUShaped(profile, link, wireType(), constraints, goal(), returnCut);
  }

  /** Prints the plan's table and writes plan.json and plan.svg to --out. */
  private void show(PrintWriter outw, CutPlan plan) throws IOException {
    outw.print(PlanTable.render(plan));
    outw.print(PlanTable.visibility(plan));
    new PlanJson().writePlan(plan, out.resolve("plan.json"));
    PlanChart.write(plan, out.resolve("plan.svg"));
    outw.printf("wrote %s and %s%n", out.resolve("plan.json"), out.resolve("plan.svg"));
  }

  private void measure(PrintWriter outw, CutPlan plan, CutMeasurer measurer) throws IOException {
    List<String> csv = new ArrayList<>();
    csv.add(
        "cut,predicted_ms,measured_ms,latency_error_pct,predicted_edge_j,measured_edge_j,energy_error_pct");
    List<CutRow> split = plan.rows().stream().filter(r -> !r.edgeOnly()).toList();
    Map<Integer, CutMeasurer.Measured> measured =
        measurer.measure(
            split.stream().map(CutRow::cut).toList(),
            8,
            16,
            measureTokens,
            MEASURE_PASSES,
            pass -> {
              outw.printf(
                  "measured pass %d of %d over %d cuts%n", pass, MEASURE_PASSES, split.size());
              outw.flush();
            });
    outw.printf(
        "%ncut  predicted ms  measured ms  err%%   predicted edge J  measured edge J  err%%%n");
    for (CutRow row : split) {
      CutMeasurer.Measured m = measured.get(row.cut());
      double le = 100 * (row.latencyMillis() - m.latencyMillis()) / m.latencyMillis();
      double ee =
          100 * (row.edgeJoulesPerToken() - m.edgeJoules()) / Math.max(1e-12, m.edgeJoules());
      outw.printf(
          Locale.ROOT,
          "%3d  %12.3f  %11.3f  %+5.1f  %16.5f  %15.5f  %+5.1f%n",
          row.cut(),
          row.latencyMillis(),
          m.latencyMillis(),
          le,
          row.edgeJoulesPerToken(),
          m.edgeJoules(),
          ee);
      csv.add(
          String.format(
              Locale.ROOT,
              "%d,%.4f,%.4f,%.2f,%.6f,%.6f,%.2f",
              row.cut(),
              row.latencyMillis(),
              m.latencyMillis(),
              le,
              row.edgeJoulesPerToken(),
              m.edgeJoules(),
              ee));
    }
    outw.flush();
    Files.write(out.resolve("measured.csv"), csv, StandardCharsets.UTF_8);
    outw.printf("wrote %s%n", out.resolve("measured.csv"));
  }

  private WireDType wireType() {
    return WireDType.valueOf(wire.trim().toUpperCase(Locale.ROOT));
  }

  private PlanGoal goal() {
    switch (objective.trim().toLowerCase(Locale.ROOT)) {
      case "energy":
        return PlanGoal.energy();
      case "latency":
        return PlanGoal.latency();
      case "weighted":
        return PlanGoal.weighted(alpha);
      default:
        throw new IllegalArgumentException(
            "--objective must be energy, latency or weighted, got " + objective);
    }
  }

  /** Host name, meter kind and threads: a profile is valid for this device measured this way. */
  static String deviceId(String meterKind, int threads) {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "unknown-host";
    }
    return host + "-" + meterKind + "-t" + threads;
  }
}
