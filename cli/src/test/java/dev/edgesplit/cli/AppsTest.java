package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.engine.segment.CompiledManifest;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.testkit.SharedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code model.dir} in a config may name a checkpoint: it is compiled once into the cache, like
 * --model.
 */
class AppsTest {

  @Test
  void configuredCheckpointDir_isCompiledOnce_andCompiledDirsAreUsedAsIs() throws Exception {
    Path checkpoint = SharedModels.require("stories260K");
    CloudCommand cmd = new CloudCommand();
    new CommandLine(cmd).parseArgs();
    CompiledModel first = Apps.compiledModel(cmd.spec, cmd.model, checkpoint, 1);
    assertThat(first.directory()).isNotEqualTo(checkpoint);
    assertThat(first.directory().resolve(CompiledManifest.FILE_NAME)).isRegularFile();
    assertThat(first.manifest().cut()).isEqualTo(1);
    long stamp =
        Files.getLastModifiedTime(first.directory().resolve(CompiledManifest.FILE_NAME)).toMillis();

    CompiledModel again = Apps.compiledModel(cmd.spec, cmd.model, checkpoint, 1);
    assertThat(again.directory()).as("cached, not recompiled").isEqualTo(first.directory());
    assertThat(
            Files.getLastModifiedTime(again.directory().resolve(CompiledManifest.FILE_NAME))
                .toMillis())
        .isEqualTo(stamp);

    CompiledModel direct = Apps.compiledModel(cmd.spec, cmd.model, first.directory(), 1);
    assertThat(direct.directory()).isEqualTo(first.directory());
  }
}
