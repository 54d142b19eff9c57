package dev.edgesplit.bench;

import dev.edgesplit.planner.link.LinkEstimator;
import java.util.List;
import java.util.Map;

/**
 * Everything one benchmark configuration (model, quantization, threads, cut) measured; serialized
 * as is to JSON.
 *
 * @param label "synthetic" for random weights with a real shape, else "real"
 * @param model what {@code --model} named
 * @param quant weight format of every layer and the head
 * @param threads ONNX Runtime intra-op threads per run
 * @param cut edge runs embedding + layers [0,cut)
 * @param returnCut the U-shaped split's m (the worker side runs [cut,m), the edge side also [m,N) +
 *     head), or null for the plain split
 * @param nLayers layers in the model
 * @param modes unsplit, split in one process, split over loopback gRPC (when run); the U shape's
 *     are named u-in-process and u-loopback
 * @param splitBreakdown where a split decode step goes
 * @param roofline unsplit decode against this machine's copy bandwidth
 * @param allocation heap bytes per decode step after warm-up
 * @param parts per-part decode-step times with the side each part runs on at this cut
 * @param operators one layer's decode step and prompt prefill by operator type (ONNX Runtime's
 *     profiler)
 */
public record BenchResult(
    String label,
    String model,
    String quant,
    int threads,
    int cut,
    Integer returnCut,
    int nLayers,
    List<Mode> modes,
    SplitBreakdown splitBreakdown,
    Roofline roofline,
    Allocation allocation,
    List<Part> parts,
    List<Operator> operators) {

  /**
   * This result with the roofline set against {@code copyGbPerSecond} (measured after the runs, see
   * the command).
   */
  public BenchResult withCopyBandwidth(double copyGbPerSecond) {
    Roofline r =
        new Roofline(
            roofline.weightBytesPerToken(),
            roofline.achievedGbPerSecond(),
            copyGbPerSecond,
            100.0 * roofline.achievedGbPerSecond() / copyGbPerSecond);
    return new BenchResult(
        label,
        model,
        quant,
        threads,
        cut,
        returnCut,
        nLayers,
        modes,
        splitBreakdown,
        r,
        allocation,
        parts,
        operators);
  }

  /**
   * One way of running the same generation.
   *
   * @param name unsplit | split-in-process | split-loopback
   * @param decodeTokensPerSecond 1000 / mean ms per decode token
   * @param decodeMedianMs median ms per decode token
   * @param decodeP90Ms p90 ms per decode token
   * @param decodeTokens decode tokens measured
   * @param prefillTokensPerSecond prompt tokens / prefill time
   * @param timeToFirstTokenMs prefill + first token choice
   * @param vsUnsplit decode tokens/s relative to unsplit
   * @param peakRssBytes peak resident bytes per process taking part (edge, cloud, or bench)
   * @param roundsTokensPerSecond decode tokens/s of every in-process round, in order (the fields
   *     above are the median round's); empty for the loopback
   */
  public record Mode(
      String name,
      double decodeTokensPerSecond,
      double decodeMedianMs,
      double decodeP90Ms,
      int decodeTokens,
      double prefillTokensPerSecond,
      double timeToFirstTokenMs,
      double vsUnsplit,
      Map<String, Long> peakRssBytes,
      List<Double> roundsTokensPerSecond) {

    public Mode {
      roundsTokensPerSecond = List.copyOf(roundsTokensPerSecond);
    }
  }

  /**
   * @param edgeMedianMs edge chain (embedding + [0,k), in the U shape also [m,N) + head) per decode
   *     token
   * @param cloudMedianMs cloud chain ([k,N) + head, in the U shape [k,m)) per decode token
   * @param serializationMedianMs fp16 encode + decode of h_k, per token, in process
   * @param linkMsPerToken in the loopback run, the edge's round trip minus the worker's compute,
   *     mean per decode token (NaN when not run)
   * @param loopbackEdgeMs in the loopback run, the edge's compute per decode token (NaN when not
   *     run)
   * @param loopbackCloudMs in the loopback run, the worker's compute per decode token (NaN when not
   *     run)
   * @param bytesPerToken h_k payload per decode token (fp16); in the U shape as many come back
   * @param edgeReportedBytesPerToken the edge's bytes sent per generated token over loopback,
   *     prompt frame included (NaN when not run)
   * @param edgeReportedBytesReceivedPerToken the edge's bytes of h_m received per generated token
   *     over loopback in the U shape, 0 in the plain split (NaN when not run)
   * @param pairedRounds unsplit and loopback decode tokens/s of each paired round (empty when not
   *     run)
   */
  public record SplitBreakdown(
      double edgeMedianMs,
      double cloudMedianMs,
      double serializationMedianMs,
      double linkMsPerToken,
      double loopbackEdgeMs,
      double loopbackCloudMs,
      long bytesPerToken,
      double edgeReportedBytesPerToken,
      double edgeReportedBytesReceivedPerToken,
      List<PairedRound> pairedRounds) {

    public SplitBreakdown {
      pairedRounds = List.copyOf(pairedRounds);
    }

    /** The median loopback / unsplit ratio of the paired rounds, NaN when there are none. */
    public double pairedRatioMedian() {
      return pairedRounds.isEmpty()
          ? Double.NaN
          : LinkEstimator.median(pairedRounds.stream().map(PairedRound::ratio).toList());
    }
  }

  /** One unsplit generation and one loopback generation back to back: decode tokens/s of each. */
  public record PairedRound(double unsplitTokensPerSecond, double loopbackTokensPerSecond) {
    public double ratio() {
      return loopbackTokensPerSecond / unsplitTokensPerSecond;
    }
  }

  /**
   * @param weightBytesPerToken bytes of weights one decode step reads
   * @param achievedGbPerSecond weight bytes per token / mean s per token (unsplit)
   * @param copyGbPerSecond measured STREAM-style copy bandwidth (best, reads + writes)
   * @param percent achieved / copy x 100
   */
  public record Roofline(
      double weightBytesPerToken,
      double achievedGbPerSecond,
      double copyGbPerSecond,
      double percent) {}

  /**
   * @param edgeBytesPerStepMax largest allocation of one edge decode step after warm-up
   * @param edgeBytesPerStepMean mean allocation per edge decode step
   * @param unsplitBytesPerStepMax largest allocation of one unsplit decode step
   */
  public record Allocation(
      long edgeBytesPerStepMax, double edgeBytesPerStepMean, long unsplitBytesPerStepMax) {}

  /**
   * @param side edge or cloud at this cut
   */
  public record Part(String part, String side, double medianMs, double p90Ms) {}

  /**
   * @param opType ONNX operator type; {@link #OUTSIDE} is the rest of the run
   * @param nodes nodes of this type executed per run
   * @param msPerStep their time per decode step, profiler on
   * @param prefillMs their time in the prompt's prefill, profiler on
   */
  public record Operator(String opType, double nodes, double msPerStep, double prefillMs) {
    public static final String OUTSIDE = "(outside operators)";
  }
}
