package dev.edgesplit.edge.metrics;

import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.generate.StepRecord;
import dev.edgesplit.edge.speculate.DraftSources;
import dev.edgesplit.engine.energy.EnergyLog;
import dev.edgesplit.proto.v1.GenerationSummary;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Writes one JSON line per summary and, when asked ({@code log.tokens}), one per generated token to
 * the {@code edgesplit.energy} logger, each with the edge's and the cloud's joules and the source
 * of each (kind and measured or estimated). A summary also carries how it spoke to the cloud: draft
 * source, round trips, tokens per round trip, acceptance rate, drafting time and drafting's share
 * of the edge joules (estimated).
 */
public final class EnergyLogListener implements StepListener {

  private final EnergyLog log;
  private final boolean tokens;

  /** Summary and per-token lines. */
  public EnergyLogListener(EnergyLog log) {
    this(log, true);
  }

  /**
   * @param tokens also one line per token (about 450 bytes each; off by default in the servers)
   */
  public EnergyLogListener(EnergyLog log, boolean tokens) {
    this.log = log;
    this.tokens = tokens;
  }

  @Override
  public void onStep(StepRecord s) {
    if (!tokens || !log.enabled()) {
      return;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("event", "token");
    m.put("side", "edge");
    m.put("session", s.sessionId());
    m.put("cut", s.cut());
    m.put("token_index", s.tokenIndex());
    m.put("token_id", s.tokenId());
    m.put("prefill", s.prefill());
    m.put("positions", s.positions());
    m.put("edge_ms", round(s.edgeMillis()));
    m.put("round_trip_ms", round(s.roundTripMillis()));
    m.put("cloud_ms", round(s.cloudComputeMillis()));
    m.put("bytes_sent", s.bytesSent());
    m.put("edge_joules", s.edge().joules());
    m.put("edge_source", EnergyLog.source(s.edge().kind(), s.edge().measured()));
    m.put("cloud_joules", s.cloudJoules());
    m.put(
        "cloud_source",
        EnergyLog.source(kind(s.cloudSource().getKind()), s.cloudSource().getMeasured()));
    log.write(m);
  }

  @Override
  public void onSummary(String sessionId, GenerationSummary s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("event", "summary");
    m.put("side", "edge");
    m.put("session", sessionId);
    m.put("cut", s.getCut());
    m.put("finish", s.getFinishReason().name().toLowerCase(Locale.ROOT));
    m.put("prompt_tokens", s.getPromptTokens());
    m.put("generated_tokens", s.getGeneratedTokens());
    m.put("tokens_per_second", round(s.getTokensPerSecond()));
    m.put("edge_joules_per_token", s.getEdgeJoulesPerToken());
    m.put(
        "edge_source",
        EnergyLog.source(
            kind(s.getEdgeEnergySource().getKind()), s.getEdgeEnergySource().getMeasured()));
    m.put("cloud_joules_per_token", s.getCloudJoulesPerToken());
    m.put(
        "cloud_source",
        EnergyLog.source(
            kind(s.getCloudEnergySource().getKind()), s.getCloudEnergySource().getMeasured()));
    m.put("bytes_sent_per_token", s.getBytesSentPerToken());
    m.put("draft_source", DraftSources.name(s.getDraftSource()));
    m.put("round_trips", s.getRoundTrips());
    m.put("tokens_per_round_trip", round(s.getTokensPerRoundTrip()));
    m.put("acceptance_rate", round(s.getAcceptanceRate()));
    m.put("drafted_tokens", s.getDraftedTokens());
    m.put("accepted_draft_tokens", s.getAcceptedDraftTokens());
    m.put("draft_ms_per_token", round(s.getDraftMsPerToken()));
    // Inside edge_joules_per_token; an estimate (time share of each step's joules) whatever the
    // meter.
    m.put("draft_joules_per_token", s.getDraftJoulesPerToken());
    log.write(m);
  }

  private static String kind(String k) {
    return k.isEmpty() ? "none" : k;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
