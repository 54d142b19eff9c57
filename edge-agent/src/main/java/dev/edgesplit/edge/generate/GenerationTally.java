package dev.edgesplit.edge.generate;

import dev.edgesplit.proto.v1.EnergySource;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.SessionReply;
import dev.edgesplit.server.energy.EnergyReading;
import dev.edgesplit.server.energy.StepEnergy;

/**
 * What a generation has cost, step by step: the steps add their edge time, exchanges and bytes to
 * the open step; {@link #endStep} closes it into a {@link StepRecord} and the totals the summary
 * reports. A step is the prefill (which yields the first token) or one round trip after it. Used by
 * the generation's thread only.
 */
final class GenerationTally {

  private final String sessionId;
  private final int cut;

  private StepEnergy.Span openSpan;
  private int steps;
  private int roundTrips;

  // The open step.
  private int stepPositions;
  private long stepEdgeNanos;
  private long stepRoundTripNanos;
  private long stepCloudMicros;
  private long stepBytes;
  private double stepCloudJoules;

  // Totals.
  private long bytesSent;
  private long bytesReceived;
  private long draftNanos;
  // Drafting's share of the edge joules: each step's joules x its drafting time / its wall time.
  private double draftJoules;
  private long stepStartNanos;
  private long stepDraftNanos;
  private int windowsDraftedAhead;
  private int decodeSteps;
  private double decodeEdgeMs;
  private double decodeCloudMs;
  private double decodeLinkMs;
  private double edgeJoules;
  private double cloudJoules;
  private EnergySource edgeSource = EnergySource.newBuilder().setKind("none").build();
  private EnergySource cloudSource = EnergySource.newBuilder().setKind("none").build();

  GenerationTally(String sessionId, int cut) {
    this.sessionId = sessionId;
    this.cut = cut;
  }

  /** Opens a step of {@code positions} edge positions and its energy span. */
  void beginStep(StepEnergy energy, int positions) {
    openSpan = energy.begin(sessionId, steps++);
    stepPositions = positions;
    stepStartNanos = System.nanoTime();
    stepDraftNanos = 0;
    stepEdgeNanos = 0;
    stepRoundTripNanos = 0;
    stepCloudMicros = 0;
    stepBytes = 0;
    stepCloudJoules = 0;
  }

  /** The positions the open step kept (a window keeps its accepted ones only). */
  void keptPositions(int positions) {
    stepPositions = positions;
  }

  /** Edge compute of the open step (including an injected slowdown). */
  void edge(long nanos) {
    stepEdgeNanos += nanos;
  }

  /** Counts a window whose drafts were made while the window before it was in flight. */
  void windowDraftedAhead() {
    windowsDraftedAhead++;
  }

  /** Drafting time (also counted as edge time by the caller). */
  void drafted(long nanos) {
    draftNanos += nanos;
    stepDraftNanos += nanos;
  }

  /**
   * One reply of the open step: waited for {@code waitNanos}, answering a frame of {@code bytesOut}
   * payload bytes.
   */
  void exchanged(SessionReply reply, long waitNanos, long bytesOut) {
    stepRoundTripNanos += waitNanos;
    stepCloudMicros += reply.getComputeTimeUs();
    stepCloudJoules += reply.getCloudJoules();
    stepBytes += bytesOut;
    if (reply.hasCloudEnergySource()) {
      cloudSource = reply.getCloudEnergySource();
    }
    if (reply.hasHidden()) {
      bytesReceived += reply.getHidden().getData().size();
    }
  }

  /** Link time of the open step so far: round trips less the worker's compute, milliseconds. */
  double stepLinkMillis() {
    return stepRoundTripNanos / 1e6 - stepCloudMicros / 1e3;
  }

  /** The worker's compute in the open step so far, milliseconds. */
  double stepCloudMillis() {
    return stepCloudMicros / 1e3;
  }

  /** Counts one round trip to the worker (a prefill counts once, however many chunks). */
  void roundTrip() {
    roundTrips++;
  }

  int roundTrips() {
    return roundTrips;
  }

  /**
   * Ends the open step, adds it to the totals and describes it.
   *
   * @param tokenIndex index among the generated tokens of the token the step yielded, -1 if none
   */
  StepRecord endStep(int tokenIndex, int tokenId) {
    EnergyReading e = openSpan.end();
    openSpan = null;
    edgeJoules += e.joules();
    long wall = System.nanoTime() - stepStartNanos;
    if (stepDraftNanos > 0 && wall > 0) {
      draftJoules += e.joules() * Math.min(1.0, (double) stepDraftNanos / wall);
    }
    edgeSource =
        EnergySource.newBuilder()
            .setKind(e.kind())
            .setMeasured(e.measured())
            .setDescription(e.description())
            .build();
    cloudJoules += stepCloudJoules;
    bytesSent += stepBytes;
    if (steps > 1) {
      decodeSteps++;
      decodeEdgeMs += stepEdgeNanos / 1e6;
      decodeCloudMs += stepCloudMicros / 1e3;
      decodeLinkMs += Math.max(0, stepLinkMillis());
    }
    return new StepRecord(
        sessionId,
        cut,
        steps == 1,
        tokenIndex,
        tokenId,
        stepPositions,
        stepEdgeNanos / 1e6,
        stepRoundTripNanos / 1e6,
        stepCloudMicros / 1e3,
        stepBytes,
        e,
        stepCloudJoules,
        cloudSource);
  }

  /** Drops the open step's energy span, if any (the generation failed mid-step). */
  void abandonOpenStep() {
    if (openSpan != null) {
      openSpan.abandon();
      openSpan = null;
    }
  }

  /** Fills the summary's cost fields for {@code generated} tokens. */
  void fill(GenerationSummary.Builder summary, int generated, boolean uShaped) {
    int perToken = Math.max(1, generated);
    int decodes = Math.max(1, decodeSteps);
    summary
        .setEdgeJoulesPerToken(edgeJoules / perToken)
        .setEdgeEnergySource(edgeSource)
        .setCloudJoulesPerToken(cloudJoules / perToken)
        .setCloudEnergySource(cloudSource)
        .setBytesSentPerToken((double) bytesSent / perToken)
        .setEdgeMsPerToken(decodeEdgeMs / decodes)
        .setCloudMsPerToken(decodeCloudMs / decodes)
        .setLinkMsPerToken(decodeLinkMs / decodes)
        .setRoundTrips(roundTrips)
        .setTokensPerRoundTrip((double) generated / Math.max(1, roundTrips))
        .setDraftMsPerToken(draftNanos / 1e6 / perToken)
        .setDraftJoulesPerToken(draftJoules / perToken)
        .setWindowsDraftedAhead(windowsDraftedAhead);
    if (uShaped) {
      summary.setBytesReceivedPerToken((double) bytesReceived / perToken);
    }
  }
}
