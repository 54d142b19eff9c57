package dev.edgesplit.cloud.metrics;

import dev.edgesplit.engine.energy.EnergyLog;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON line per step on the {@code edgesplit.energy} logger: event "token" for steps that
 * sampled a token, "prefill_chunk" otherwise, with the worker's joules and their source. The edge's
 * joules are not known here; the edge's own line for the token carries both sides.
 */
public final class CloudEnergyLogListener implements CloudStepListener {

  private final EnergyLog log;
  private final boolean enabled;

  public CloudEnergyLogListener(EnergyLog log) {
    this(log, true);
  }

  /**
   * @param enabled write the lines at all ({@code log.tokens}: off by default in the worker)
   */
  public CloudEnergyLogListener(EnergyLog log, boolean enabled) {
    this.log = log;
    this.enabled = enabled;
  }

  @Override
  public void onStep(CloudStep s) {
    if (!enabled || !log.enabled()) {
      return;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("event", s.sampled() ? "token" : "prefill_chunk");
    m.put("side", "cloud");
    m.put("session", s.sessionId());
    m.put("cut", s.cut());
    m.put("position", s.startPosition());
    m.put("positions", s.positions());
    if (s.tokenId() >= 0) {
      m.put("token_id", s.tokenId()); // a U-shaped session's worker never knows the token
    }
    m.put("cloud_ms", Math.round(s.computeMillis() * 1000) / 1000.0);
    m.put("cloud_joules", s.energy().joules());
    m.put("cloud_source", EnergyLog.source(s.energy().kind(), s.energy().measured()));
    log.write(m);
  }
}
