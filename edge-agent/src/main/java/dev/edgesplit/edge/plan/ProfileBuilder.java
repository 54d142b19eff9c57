package dev.edgesplit.edge.plan;

import dev.edgesplit.edge.error.CloudLinkException;
import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.profile.LayerTimings;
import dev.edgesplit.engine.profile.ProfileSettings;
import dev.edgesplit.engine.profile.SegmentProfiler;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.planner.CloudCosts;
import dev.edgesplit.planner.EdgeCosts;
import dev.edgesplit.planner.LayerProfile;
import dev.edgesplit.planner.ModelShape;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.proto.v1.ProfileRequest;
import dev.edgesplit.proto.v1.ProfileResponse;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Measures a {@link LayerProfile}: the edge's per-layer decode time and energy by running the
 * per-layer segments here, and the cloud's per-layer time either from the worker's {@code Profile}
 * RPC or, without a worker, by running the cloud weight format here (said in {@link
 * Result#cloudSource()}).
 */
public final class ProfileBuilder {

  private final CompiledModel model;
  private final RuntimeOptions runtime;
  private final EnergyMeter meter;
  private final ProfileSettings settings;

  public ProfileBuilder(
      CompiledModel model, RuntimeOptions runtime, EnergyMeter meter, ProfileSettings settings) {
    this.model = Objects.requireNonNull(model, "model");
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.meter = Objects.requireNonNull(meter, "meter");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * The profile and where the cloud half came from.
   *
   * @param profile edge and cloud costs
   * @param cloudSource "cloud worker Profile RPC" or "run locally in the cloud format (no --cloud)"
   */
  public record Result(LayerProfile profile, String cloudSource) {}

  /**
   * Profiles the edge here and the cloud through {@code cloud} when given, else locally.
   *
   * @param device edge device id, the profile cache key
   * @param edgeHead also time the head on the edge, so the plan has an edge-only row
   * @param timeout deadline of the Profile RPC
   */
  public Result build(String device, Channel cloud, boolean edgeHead, Duration timeout) {
    SegmentProfiler profiler = new SegmentProfiler(model, runtime, meter, settings);
    LayerTimings edge = profiler.profile(model.manifest().edgeWeights(), true, edgeHead);
    EdgeCosts edgeCosts =
        new EdgeCosts(
            edge.layerMillis(),
            edge.layerJoules(),
            edge.embeddingMillis(),
            edge.embeddingJoules(),
            edge.headMillis(),
            edge.headJoules(),
            edge.idleWatts(),
            EdgeCosts.DEFAULT_RADIO_JOULES_PER_BYTE,
            edge.source().label());
    CloudCosts cloudCosts;
    String cloudSource;
    if (cloud != null) {
      ProfileResponse r = remote(cloud, timeout);
      if (r.getLayerMsCount() != model.config().nLayers()) {
        throw new IllegalStateException(
            "cloud worker profiled "
                + r.getLayerMsCount()
                + " layers, the model has "
                + model.config().nLayers());
      }
      cloudCosts = new CloudCosts(r.getLayerMsList(), r.getHeadMs(), r.getWatts());
      cloudSource =
          "cloud worker Profile RPC (energy: "
              + r.getEnergySource().getKind()
              + (r.getEnergySource().getMeasured() ? ", measured)" : ", estimated)");
    } else {
      LayerTimings local = profiler.profile(model.manifest().cloudWeights(), false, true);
      cloudCosts = new CloudCosts(local.layerMillis(), local.headMillis(), local.watts());
      cloudSource = "cloud format run locally on this machine (no --cloud given)";
    }
    LayerProfile profile =
        new LayerProfile(
            device,
            model.fingerprint(),
            model.manifest().edgeWeights(),
            ModelShape.of(model.config()),
            edgeCosts,
            cloudCosts);
    return new Result(profile, cloudSource);
  }

  private ProfileResponse remote(Channel cloud, Duration timeout) {
    try {
      return CloudServiceGrpc.newBlockingStub(cloud)
          .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .profile(
              ProfileRequest.newBuilder()
                  .setContextPositions(settings.contextPositions())
                  .setDecodeTokens(settings.decodeTokens())
                  .build());
    } catch (StatusRuntimeException e) {
      throw new CloudLinkException("profile", e.getStatus());
    }
  }
}
