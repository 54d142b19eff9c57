package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.testkit.SharedModels;
import dev.edgesplit.testkit.Stories260k;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --return-cut M} on {@code run} and {@code plan}: the U-shaped split run in one process on
 * the real stories260K, priced by the planner, and refused with a one-line usage error when it is
 * not above the cut or above N.
 */
class ReturnCutFlagsTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @Test
  void run_uShaped_printsLlama2cReferenceText() throws Exception {
    int code = execute("run", "--model", model(), "--cut", "1", "--return-cut", "3");
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString().strip()).isEqualTo(Stories260k.REFERENCE);
    assertThat(err.toString()).contains("U-shaped: cloud side [1,3)");
  }

  @Test
  void run_returnCutN_isThePlainSplit() throws Exception {
    int code = execute("run", "--model", model(), "--cut", "2", "--return-cut", "5");
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString().strip()).isEqualTo(Stories260k.REFERENCE);
    assertThat(err.toString()).doesNotContain("U-shaped");
  }

  @Test
  void run_returnCutNotAboveCut_isAOneLineUsageError() throws Exception {
    assertUsageError(
        execute("run", "--model", model(), "--cut", "3", "--return-cut", "3"),
        "--return-cut 3 must be above --cut 3 and at most the model's 5 layers");
  }

  @Test
  void run_returnCutAboveN_isAOneLineUsageError() throws Exception {
    assertUsageError(
        execute("run", "--model", model(), "--cut", "1", "--return-cut", "6"),
        "--return-cut 6 must be above --cut 1 and at most the model's 5 layers");
  }

  @Test
  void plan_returnCut_pricesTheUShape_bytesBothWays(@TempDir Path tmp) throws Exception {
    int code =
        execute(
            "plan",
            "--model",
            model(),
            "--bandwidth",
            "10mbit",
            "--rtt",
            "50ms",
            "--return-cut",
            "3",
            "--out",
            tmp.toString());
    assertThat(code).as(err.toString()).isZero();
    String table = out.toString();
    assertThat(table)
        .contains("U-shaped split, return cut 3: the edge also runs layers [3,5), the head")
        .contains("the link carries h_k out and h_3 back each token (bytes/tok: out+back)")
        // stories260K: d = 64, fp16 on the wire: 128 bytes each way; edge 1 + 2 layers + head.
        .contains("1 U[1,3)", "1+2+head/2", "128+128")
        .contains("2 U[2,3)", "2+2+head/1")
        .contains("5 edge-only")
        .contains("What the cloud sees (U shape, return cut 3)")
        .doesNotContain("3 U[3");
    assertThat(tmp.resolve("plan.json")).content().contains("\"returnCut\" : 3");
  }

  @Test
  void plan_returnCutOutsideTheModel_isAOneLineUsageError(@TempDir Path tmp) throws Exception {
    assertUsageError(
        execute(
            "plan",
            "--model",
            model(),
            "--bandwidth",
            "10",
            "--rtt",
            "50",
            "--return-cut",
            "6",
            "--out",
            tmp.toString()),
        "--return-cut 6 must be from 1 to the model's 5 layers");
  }

  private int execute(String... args) {
    return Main.commandLine()
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }

  private void assertUsageError(int code, String message) {
    assertThat(code).as(err.toString()).isEqualTo(2);
    String[] lines =
        err.toString().strip().lines().filter(l -> !l.isBlank()).toArray(String[]::new);
    // The compile cache may log first; the error is the last line but the hint.
    assertThat(lines[lines.length - 2]).isEqualTo("edgesplit: " + message);
    assertThat(lines[lines.length - 1])
        .startsWith("Try 'edgesplit ")
        .endsWith(" --help' for the options.");
    assertThat(err.toString()).doesNotContain("Exception", "\tat ");
  }

  private static String model() {
    return SharedModels.require("stories260K").toString();
  }
}
