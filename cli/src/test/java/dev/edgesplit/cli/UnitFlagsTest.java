package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.testkit.SharedModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Rates and durations on the command line take units, parsed as the configuration parses them. */
class UnitFlagsTest {

  @Test
  void planLink_withUnits_equalsThePlainNumbers() {
    PlanCommand units = parse(new PlanCommand(), "--bandwidth", "10mbit", "--rtt", "50ms");
    PlanCommand plain = parse(new PlanCommand(), "--bandwidth", "10", "--rtt", "50");
    assertThat(units.bandwidthMbit).isEqualTo(plain.bandwidthMbit).isEqualTo(10.0);
    assertThat(units.rttMs).isEqualTo(plain.rttMs).isEqualTo(50.0);
    PlanCommand other = parse(new PlanCommand(), "--bandwidth", "1.5gbit", "--rtt", "0.2s");
    assertThat(other.bandwidthMbit).isEqualTo(1500.0);
    assertThat(other.rttMs).isEqualTo(200.0);
  }

  @Test
  void generateDeadline_takesUnitsOrPlainSeconds() {
    assertThat(parse(new GenerateCommand(), "--deadline-seconds", "2s").deadline)
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(parse(new GenerateCommand(), "--deadline-seconds", "0.5").deadline)
        .isEqualTo(Duration.ofMillis(500));
    assertThat(parse(new GenerateCommand(), "--deadline-seconds", "500ms").deadline)
        .isEqualTo(Duration.ofMillis(500));
    assertThat(parse(new GenerateCommand(), "--deadline-seconds", "30").deadline)
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(parse(new GenerateCommand()).deadline).isEqualTo(Duration.ofSeconds(300));
  }

  @Test
  void badUnit_isAUsageErrorNamingTheFlag() {
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new PlanCommand())
            .setErr(new PrintWriter(err))
            .execute("--bandwidth", "10MB", "--rtt", "50ms");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--bandwidth", "'10MB' is not a rate");
  }

  @Test
  void plan_withUnits_writesTheSamePlanAsWithPlainNumbers(@TempDir Path tmp) throws Exception {
    String model = SharedModels.require("stories260K").toString();
    // The plain form first: it profiles (or reuses the workspace's profile); the second reuses that
    // profile.
    String plain = plan(tmp.resolve("plain"), model, "10", "50");
    String units = plan(tmp.resolve("units"), model, "10mbit", "50ms");
    assertThat(units).isEqualTo(plain).contains("\"cut\"");
  }

  private static String plan(Path out, String model, String bandwidth, String rtt)
      throws Exception {
    StringWriter text = new StringWriter();
    int code =
        new CommandLine(new PlanCommand())
            .setOut(new PrintWriter(text))
            .setErr(new PrintWriter(text))
            .execute(
                "--model",
                model,
                "--edge-quant",
                "int4",
                "--bandwidth",
                bandwidth,
                "--rtt",
                rtt,
                "--out",
                out.toString());
    assertThat(code).as(text.toString()).isZero();
    assertThat(text.toString()).contains("link: given --bandwidth 10.000 Mbit/s --rtt 50.000 ms");
    return Files.readString(out.resolve("plan.json"));
  }

  private static <T> T parse(T command, String... args) {
    new CommandLine(command).parseArgs(args);
    return command;
  }
}
