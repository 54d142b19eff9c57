package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.compute.PerLayerCloudCompute;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.energy.EnergyReading;
import dev.edgesplit.engine.energy.EnergySource;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.server.energy.StepEnergy;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The planner's ground truth: real decode steps at every cut against a real cloud worker
 * (stories260K).
 */
class CutMeasurerTest {

  @TempDir Path dir;

  /** Counts one joule per read, so the joules of a window say how many windows were read. */
  private static final class CountingMeter implements EnergyMeter {
    private final EnergySource source = new EnergySource("test", "one joule per read", false);
    private int reads;

    @Override
    public synchronized EnergyReading read() {
      return new EnergyReading(reads++, Instant.now(), source);
    }

    @Override
    public EnergySource source() {
      return source;
    }

    @Override
    public void close() {}
  }

  @Test
  void everyCut_isMeasuredInRoundRobinPasses_withEnergyReadAroundWholePasses() throws Exception {
    CompiledModel compiled = Processes.compile(dir.resolve("model"));
    try (PerLayerCloudCompute compute =
            new PerLayerCloudCompute(compiled, RuntimeOptions.defaults(), 1);
        CloudWorker cloud =
            new CloudWorker(
                    CloudConfig.load(null, Map.of(), Map.of("listen.port", "0", "model.cut", "1")),
                    compute,
                    new EngineSamplerFactory(),
                    StepEnergy.none())
                .start()) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", cloud.port()).usePlaintext().build();
      try {
        CountingMeter meter = new CountingMeter();
        CutMeasurer measurer = new CutMeasurer(compiled, RuntimeOptions.defaults(), channel, meter);
        List<Integer> passes = new ArrayList<>();

        Map<Integer, CutMeasurer.Measured> measured =
            measurer.measure(List.of(1, 3, 4), 4, 2, 6, 3, passes::add);

        assertThat(passes).containsExactly(1, 2, 3);
        assertThat(measured.keySet()).containsExactly(1, 3, 4);
        for (CutMeasurer.Measured m : measured.values()) {
          assertThat(m.tokens()).isEqualTo(6);
          assertThat(m.latencyMillis()).isPositive().isLessThan(10_000);
          // Two reads per pass (before the first timed step, after the last): 1 J a pass, 3 J over
          // 6 tokens.
          assertThat(m.edgeJoules()).isEqualTo(0.5);
        }
        assertThat(meter.reads).isEqualTo(3 * 3 * 2);

        CutMeasurer.Live live = measurer.warmUp(2, Duration.ofMillis(300));
        assertThat(live.linkMillis())
            .as("link time of each warm-up step")
            .isNotEmpty()
            .allSatisfy(ms -> assertThat(ms).isBetween(0.0, 1000.0));
        assertThat(live.edgeMillis())
            .as("edge compute of each step")
            .hasSameSizeAs(live.linkMillis())
            .allSatisfy(ms -> assertThat(ms).isPositive());
        assertThat(live.cloudMillis())
            .as("the worker's compute of each step")
            .hasSameSizeAs(live.linkMillis())
            .allSatisfy(ms -> assertThat(ms).isPositive());
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
