package dev.edgesplit.bench;

import dev.edgesplit.engine.profile.ProfileSettings;
import dev.edgesplit.engine.profile.SegmentProfiler;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.cache.ModelCache;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Runs one model and quantization for every thread count and cut: the unsplit model (once per
 * thread count), the split in one process and, when a {@link LoopbackSplit} is given, the split
 * over loopback gRPC; then the per-part times, the serialization cost and the bytes for the
 * roofline (its bandwidth is set afterwards with {@link BenchResult#withCopyBandwidth}).
 */
public final class BenchRunner {

  /**
   * How much to measure.
   *
   * @param promptTokens prompt length (one prefill run)
   * @param decodeTokens decode steps measured per generation
   * @param warmupTokens decode steps of the discarded warm-up generation
   * @param loopbackWarmupTokens decode steps the two server processes run, over as many generations
   *     as it takes, before the measured one: their per-token Java (gRPC, Netty, protobuf) runs a
   *     few hundred times per generation and is still being JIT-compiled after the first thousand
   *     tokens
   * @param profileParts time every layer, the embedding and the head alone
   * @param spinning ONNX Runtime worker threads spin between operators (see {@link
   *     RuntimeOptions#spinning})
   * @param pairedRounds rounds of one unsplit and one loopback generation back to back, for a ratio
   *     that this machine's drifting speed moves less than it moves runs minutes apart
   * @param rounds rounds of the in-process modes (unsplit, then the split at each cut),
   *     interleaved; each mode reports its median round, so one generation slowed by the machine
   *     does not stand for the mode
   * @param returnCut the U-shaped split's m for every split mode (the worker side runs [k,m), the
   *     edge side also [m,N) + head), or null for the plain split
   */
  public record Plan(
      int promptTokens,
      int decodeTokens,
      int warmupTokens,
      int loopbackWarmupTokens,
      boolean profileParts,
      boolean spinning,
      long seed,
      int pairedRounds,
      int rounds,
      Integer returnCut) {

    public Plan {
      if (rounds < 1) {
        throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
      }
    }

    /** True when the split modes run the U shape. */
    public boolean uShaped() {
      return returnCut != null;
    }
  }

  /** The split over a real link; empty when it cannot run here. */
  public interface LoopbackSplit {
    /**
     * @param unsplitRound runs one unsplit generation in this process, for the paired rounds
     */
    Optional<LoopbackResult> run(
        int threads, int cut, java.util.function.Supplier<GenerationTiming> unsplitRound);
  }

  /**
   * @param timing the generation as the client saw it
   * @param bytesPerToken h_k bytes sent per token, as the edge reported it
   * @param bytesReceivedPerToken h_m bytes received per token in the U shape, as the edge reported
   *     it (0 in the plain split)
   * @param linkMsPerToken the edge's round trip minus the worker's compute, mean per decode token,
   *     as the edge reported it
   * @param edgeMsPerToken the edge's own compute, mean per decode token, as the edge reported it
   * @param cloudMsPerToken the worker's compute, mean per decode token, as the edge reported it
   * @param peakRssBytes peak resident bytes of the edge and cloud processes
   * @param pairedRounds each paired round's unsplit decode tokens/s and the loopback's just after
   */
  public record LoopbackResult(
      GenerationTiming timing,
      double bytesPerToken,
      double bytesReceivedPerToken,
      double linkMsPerToken,
      double edgeMsPerToken,
      double cloudMsPerToken,
      Map<String, Long> peakRssBytes,
      List<BenchResult.PairedRound> pairedRounds) {}

  private final CompiledModel model;
  private final String modelName;
  private final WeightFormat format;
  private final int blockSize;
  private final Plan plan;
  private final LoopbackSplit loopback;
  private final PrintWriter log;
  private final ProcessMemory memory = ProcessMemory.system();
  private final QuietMachine machine = new QuietMachine();

  public BenchRunner(
      CompiledModel model,
      String modelName,
      WeightFormat format,
      int blockSize,
      Plan plan,
      LoopbackSplit loopback,
      PrintWriter log) {
    this.model = model;
    this.modelName = modelName;
    this.format = format;
    this.blockSize = blockSize;
    this.plan = plan;
    this.loopback = loopback;
    this.log = log;
  }

  public List<BenchResult> run(List<Integer> threadCounts, List<Integer> cuts) {
    List<BenchResult> results = new ArrayList<>();
    for (int threads : threadCounts) {
      RuntimeOptions runtime = new RuntimeOptions(threads, 0, plan.spinning());
      DecodeLoop loop =
          new DecodeLoop(
              plan.promptTokens(),
              plan.decodeTokens(),
              plan.warmupTokens(),
              model.config().vocabSize(),
              plan.seed());
      if (loop.contextNeeded() > model.manifest().maxContext()) {
        throw new IllegalArgumentException(
            "prompt + tokens need "
                + loop.contextNeeded()
                + " positions; the bench model was compiled for "
                + model.manifest().maxContext()
                + " (--max-context)");
      }
      List<UnsplitRun> unsplitRuns = new ArrayList<>();
      Map<Integer, List<SplitRun>> splitRuns = new LinkedHashMap<>();
      List<SegmentProfiler.PartSteps> parts = List.of();
      List<BenchResult.Operator> operators = List.of();
      for (int round = 1; round <= plan.rounds(); round++) {
        log.printf(
            "bench: %d thread(s): unsplit (round %d of %d)%n", threads, round, plan.rounds());
        log.flush();
        settle();
        unsplitRuns.add(unsplit(runtime, loop));
        if (round == 1 && plan.profileParts()) {
          // Each part alone, as the planner's profiler times it: after a prefill of the prompt,
          // as many warm-up steps as timed ones.
          int steps = profileSteps();
          parts =
              new SegmentProfiler(
                      model, runtime, new ProfileSettings(plan.promptTokens(), steps, steps))
                  .stepsAlone(format);
          try {
            operators =
                operatorRows(
                    OperatorBreakdown.of(
                        model,
                        format,
                        runtime,
                        plan.promptTokens(),
                        steps,
                        OperatorBreakdown.layer(model.config().nLayers())));
          } catch (IOException e) {
            throw new UncheckedIOException("cannot read ONNX Runtime's operator profile", e);
          }
        }
        for (int cut : cuts) {
          log.printf(
              "bench: %d thread(s), cut %d: split in one process (round %d of %d)%n",
              threads, cut, round, plan.rounds());
          log.flush();
          settle();
          splitRuns.computeIfAbsent(cut, c -> new ArrayList<>()).add(split(cut, runtime, loop));
        }
      }
      for (int cut : cuts) {
        Optional<LoopbackResult> remote = Optional.empty();
        if (loopback != null) {
          log.printf("bench: %d thread(s), cut %d: split over loopback gRPC%n", threads, cut);
          log.flush();
          settle();
          try (SegmentChain whole = model.openWhole(format, runtime);
              WholeSession session = new WholeSession(whole, plan.decodeTokens())) {
            remote = loopback.run(threads, cut, () -> loop.run(session));
          }
        }
        results.add(
            result(threads, cut, unsplitRuns, splitRuns.get(cut), remote, parts, operators));
      }
    }
    return results;
  }

  /**
   * Waits (up to 20 s) until other work on the machine uses less than 0.15 of a core over half a
   * second, and says so when it had to wait.
   */
  private void settle() {
    try {
      machine
          .await(0.15, Duration.ofMillis(500), Duration.ofSeconds(20))
          .ifPresent(
              s -> {
                if (!s.quiet()) {
                  log.printf(
                      "bench: other work still used %.2f cores after %.1f s; measuring anyway%n",
                      s.otherCores(), s.waited().toMillis() / 1000.0);
                } else if (s.waited().toMillis() > 600) {
                  log.printf(
                      "bench: waited %.1f s for other work to settle%n",
                      s.waited().toMillis() / 1000.0);
                }
                log.flush();
              });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the machine to settle", e);
    }
  }

  /** One unsplit generation and what it allocated and held. */
  private record UnsplitRun(GenerationTiming timing, long allocMax, Map<String, Long> peak) {}

  /**
   * One split generation in this process, with each side's median step and the edge's allocations.
   */
  private record SplitRun(
      GenerationTiming timing,
      double edgeMs,
      double cloudMs,
      long edgeAllocMax,
      double edgeAllocMean,
      Map<String, Long> peak) {}

  private UnsplitRun unsplit(RuntimeOptions runtime, DecodeLoop loop) {
    boolean ownPeak = memory.resetPeak();
    GenerationTiming timing;
    long alloc;
    try (SegmentChain whole = model.openWhole(format, runtime);
        WholeSession session = new WholeSession(whole, plan.decodeTokens())) {
      timing = loop.run(session);
      alloc = session.allocated.maxAfter(0);
    }
    return new UnsplitRun(timing, alloc, peak(ownPeak ? "bench" : "bench (cumulative)"));
  }

  private SplitRun split(int cut, RuntimeOptions runtime, DecodeLoop loop) {
    boolean ownPeak = memory.resetPeak();
    int n = model.config().nLayers();
    Integer m = plan.returnCut();
    try (SegmentChain edge = model.openEdge(cut, runtime);
        SegmentChain cloud =
            m == null
                ? model.openCloud(cut, runtime)
                : model.openLayers(cut, m, false, false, format, runtime);
        SegmentChain tail =
            m == null ? null : model.openLayers(m, n, false, true, format, runtime);
        SplitSession session = new SplitSession(edge, cloud, tail, plan.decodeTokens())) {
      GenerationTiming timing = loop.run(session);
      return new SplitRun(
          timing,
          session.edgeNanos.nanosStats().medianMs(),
          session.cloudNanos.nanosStats().medianMs(),
          session.edgeAllocated.maxAfter(0),
          session.edgeAllocated.mean(),
          peak(ownPeak ? "bench" : "bench (cumulative)"));
    }
  }

  /** The run with the median decode tokens/s (the lower middle one of an even count). */
  private static <T> T median(
      List<T> runs, java.util.function.Function<T, GenerationTiming> timing) {
    List<T> sorted = new ArrayList<>(runs);
    sorted.sort(java.util.Comparator.comparingDouble(r -> timing.apply(r).decodeTokensPerSecond()));
    return sorted.get((sorted.size() - 1) / 2);
  }

  private static List<Double> tokensPerSecond(List<GenerationTiming> runs) {
    return runs.stream().map(GenerationTiming::decodeTokensPerSecond).toList();
  }

  /**
   * Steps per part: 32, fewer when the warm-up and measured steps after the prompt would overflow
   * the context.
   */
  private int profileSteps() {
    int room = (model.manifest().maxContext() - plan.promptTokens()) / 2;
    if (room < 2) {
      throw new IllegalArgumentException(
          "no room to profile layers after a "
              + plan.promptTokens()
              + "-token prompt in a context of "
              + model.manifest().maxContext());
    }
    return Math.min(32, room);
  }

  private BenchResult result(
      int threads,
      int cut,
      List<UnsplitRun> unsplitRuns,
      List<SplitRun> splitRuns,
      Optional<LoopbackResult> remote,
      List<SegmentProfiler.PartSteps> parts,
      List<BenchResult.Operator> operators) {
    UnsplitRun unsplitRun = median(unsplitRuns, UnsplitRun::timing);
    GenerationTiming unsplit = unsplitRun.timing();
    SplitRun split = median(splitRuns, SplitRun::timing);
    double base = unsplit.decodeTokensPerSecond();
    List<BenchResult.Mode> modes = new ArrayList<>();
    modes.add(
        mode(
            "unsplit",
            unsplit,
            base,
            unsplitRun.peak(),
            tokensPerSecond(unsplitRuns.stream().map(UnsplitRun::timing).toList())));
    String shape = plan.uShaped() ? "u" : "split";
    modes.add(
        mode(
            shape + "-in-process",
            split.timing(),
            base,
            split.peak(),
            tokensPerSecond(splitRuns.stream().map(SplitRun::timing).toList())));
    remote.ifPresent(
        r -> modes.add(mode(shape + "-loopback", r.timing(), base, r.peakRssBytes(), List.of())));
    // Allocations: the most any round saw, so that one round cannot hide them.
    long edgeAllocMax = splitRuns.stream().mapToLong(SplitRun::edgeAllocMax).max().orElse(0);
    double edgeAllocMean =
        splitRuns.stream().mapToDouble(SplitRun::edgeAllocMean).average().orElse(0);
    long unsplitAlloc = unsplitRuns.stream().mapToLong(UnsplitRun::allocMax).max().orElse(0);
    double edgeMs = split.edgeMs();
    double cloudMs = split.cloudMs();
    int dim = model.config().dim();
    double link = remote.map(LoopbackResult::linkMsPerToken).orElse(Double.NaN);
    // Decode frames carry one position of h_k in fp16; the edge's own figure averages the prompt
    // frame in too.
    long bytes = 2L * dim;
    WeightTraffic traffic = new WeightTraffic(model.config(), format, blockSize);
    double perToken = traffic.perToken();
    double achieved = perToken / (unsplit.decode().meanMs() / 1000.0) / 1e9;
    List<BenchResult.Part> partRows = new ArrayList<>();
    for (SegmentProfiler.PartSteps p : parts) {
      String side = onEdge(p.part(), cut) ? "edge" : "cloud";
      LatencyStats steps = LatencyStats.ofNanos(p.stepNanos(), p.stepNanos().length);
      partRows.add(new BenchResult.Part(p.part(), side, steps.medianMs(), steps.p90Ms()));
    }
    return new BenchResult(
        ModelCache.isSynthetic(modelName) ? "synthetic" : "real",
        modelName,
        quantLabel(),
        threads,
        cut,
        plan.returnCut(),
        model.config().nLayers(),
        modes,
        new BenchResult.SplitBreakdown(
            edgeMs,
            cloudMs,
            serializationMs(dim),
            link,
            remote.map(LoopbackResult::edgeMsPerToken).orElse(Double.NaN),
            remote.map(LoopbackResult::cloudMsPerToken).orElse(Double.NaN),
            bytes,
            remote.map(LoopbackResult::bytesPerToken).orElse(Double.NaN),
            remote.map(LoopbackResult::bytesReceivedPerToken).orElse(Double.NaN),
            remote.map(LoopbackResult::pairedRounds).orElse(List.of())),
        new BenchResult.Roofline(perToken, achieved, Double.NaN, Double.NaN),
        new BenchResult.Allocation(edgeAllocMax, edgeAllocMean, unsplitAlloc),
        partRows,
        operators);
  }

  /**
   * Whether a profiled part ("embedding", "layer 7", "head") runs on the edge at {@code cut}: below
   * the cut, and in the U shape also from the return cut on, the head included.
   */
  private boolean onEdge(String part, int cut) {
    Integer m = plan.returnCut();
    if (part.equals("embedding")) {
      return true;
    }
    if (part.startsWith("layer ")) {
      int layer = Integer.parseInt(part.substring(6));
      return layer < cut || (m != null && layer >= m);
    }
    return m != null; // the head
  }

  /** A row per operator type, decode's slowest first, then the time outside operators. */
  private static List<BenchResult.Operator> operatorRows(OperatorBreakdown.Windows ops) {
    List<BenchResult.Operator> rows = new ArrayList<>();
    ops.decode()
        .msByType()
        .forEach(
            (type, ms) ->
                rows.add(
                    new BenchResult.Operator(
                        type,
                        ops.decode().nodesByType().get(type),
                        ms,
                        ops.prefill().msByType().getOrDefault(type, 0.0))));
    ops.prefill()
        .msByType()
        .forEach(
            (type, ms) -> {
              if (!ops.decode().msByType().containsKey(type)) {
                rows.add(
                    new BenchResult.Operator(type, ops.prefill().nodesByType().get(type), 0.0, ms));
              }
            });
    rows.add(
        new BenchResult.Operator(
            BenchResult.Operator.OUTSIDE,
            0,
            ops.decode().outsideOperatorsMs(),
            ops.prefill().outsideOperatorsMs()));
    return List.copyOf(rows);
  }

  private static BenchResult.Mode mode(
      String name,
      GenerationTiming t,
      double base,
      Map<String, Long> peak,
      List<Double> roundsTokensPerSecond) {
    return new BenchResult.Mode(
        name,
        t.decodeTokensPerSecond(),
        t.decode().medianMs(),
        t.decode().p90Ms(),
        t.decode().count(),
        t.prefillTokensPerSecond(),
        t.timeToFirstTokenMs(),
        t.decodeTokensPerSecond() / base,
        peak,
        roundsTokensPerSecond);
  }

  private Map<String, Long> peak(String process) {
    Map<String, Long> m = new LinkedHashMap<>();
    memory.peakBytes(ProcessHandle.current().pid()).ifPresent(b -> m.put(process, b));
    return m;
  }

  /** Median time to encode h_k to fp16 bytes and decode it back, one decode token's worth. */
  static double serializationMs(int dim) {
    float[] hidden = new float[dim];
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < dim; i++) {
      hidden[i] = (float) random.nextGaussian();
    }
    int reps = 2000;
    long[] nanos = new long[reps];
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < reps; i++) {
        long t = System.nanoTime();
        // The codec the edge and the cloud use on the wire, checks included.
        dev.edgesplit.proto.tensor.HiddenCodec.decode(
            dev.edgesplit.proto.tensor.HiddenCodec.encode(
                hidden, 0, 1, dim, dev.edgesplit.proto.v1.DType.DTYPE_FP16),
            dim,
            1);
        nanos[i] = System.nanoTime() - t;
      }
    }
    return LatencyStats.ofNanos(nanos, reps).medianMs();
  }

  /** The weight format, with its block size when quantized: both set the bytes read per token. */
  private String quantLabel() {
    String name = format.name().toLowerCase(java.util.Locale.ROOT);
    return format == WeightFormat.FP32 ? name : name + " (block " + blockSize + ")";
  }
}
