package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.bench.BenchCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** cli's model options and bench declare --accuracy-level and --block-size once, in one mixin. */
class SharedOptionsTest {

  @Test
  void quantizationFlags_parseTheSameInRunAndBench() {
    RunCommand run = new RunCommand();
    new CommandLine(run).parseArgs("--block-size", "64", "--accuracy-level", "0");
    assertThat(run.model.settings().blockSize()).isEqualTo(64);
    assertThat(run.model.settings().accuracyLevel()).isZero();

    CommandLine bench = new CommandLine(new BenchCommand());
    bench.parseArgs("--cut", "2", "--block-size", "64", "--accuracy-level", "0");
    assertThat(bench.getCommandSpec().findOption("--block-size").<Integer>getValue()).isEqualTo(64);
    assertThat(bench.getCommandSpec().findOption("--accuracy-level").<Integer>getValue()).isZero();
  }

  @Test
  void quantizationFlags_keepTheirDefaults_whenNotGiven() {
    RunCommand run = new RunCommand();
    new CommandLine(run).parseArgs();
    assertThat(run.model.settings().blockSize()).isEqualTo(32);
    assertThat(run.model.settings().accuracyLevel()).isEqualTo(4);
    assertThat(new ModelOptions().quant.blockSize()).isEqualTo(32);
  }
}
