package dev.edgesplit.partitioner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.engine.energy.DeviceProfile;
import dev.edgesplit.engine.energy.EstimatedMeter;
import dev.edgesplit.engine.profile.LayerTimings;
import dev.edgesplit.engine.profile.ProfileSettings;
import dev.edgesplit.engine.profile.SegmentProfiler;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.testkit.SharedModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layer profiler on the real stories260K model, compiled per layer. */
class SegmentProfilerTest {

  @Test
  void timesEveryLayer_theEmbedding_andTheHeadOnlyWhenAsked(@TempDir Path dir) throws Exception {
    CompiledModel compiled =
        new Compiler(
                new CompileOptions(
                    null, WeightFormat.FP32, WeightFormat.FP32, SegmentOptions.defaults(64)))
            .compile(ModelImporter.load(SharedModels.require("stories260K")), dir);
    try (EstimatedMeter meter = EstimatedMeter.forThisProcess(DeviceProfile.GENERIC_X86_SERVER)) {
      SegmentProfiler profiler =
          new SegmentProfiler(
              compiled, RuntimeOptions.defaults(), meter, new ProfileSettings(8, 2, 8));

      LayerTimings all = profiler.profile(WeightFormat.FP32, true, true);
      assertThat(all.layerMillis())
          .hasSize(compiled.config().nLayers())
          .allSatisfy(ms -> assertThat(ms).isPositive());
      assertThat(all.layerJoules()).hasSize(compiled.config().nLayers());
      assertThat(all.embeddingMillis()).isPositive();
      assertThat(all.headMillis()).isPositive();
      assertThat(all.headJoules()).isNotNull();

      LayerTimings layersOnly = profiler.profile(WeightFormat.FP32, false, false);
      assertThat(layersOnly.headMillis()).isNull();
      assertThat(layersOnly.embeddingMillis()).isZero();
    }
  }
}
