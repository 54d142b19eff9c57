package dev.edgesplit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.cache.BenchModel;
import dev.edgesplit.partitioner.cache.ModelCache;
import dev.edgesplit.testkit.SharedModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code bench --return-cut M}: the U-shaped split in the bench's split modes, on the real
 * stories260K (the numbers are not asserted, the shape and the tokens are).
 */
class BenchReturnCutTest {

  private final StringWriter logText = new StringWriter();
  private final PrintWriter log = new PrintWriter(logText, true);

  @Test
  void uShapedSession_choosesTheSameGreedyTokensAsThePlainSplit(@TempDir Path cache)
      throws Exception {
    CompiledModel m =
        new ModelCache(cache, log)
            .bench(
                SharedModels.require("stories260K").toString(),
                WeightFormat.FP32,
                new BenchModel.Settings(64, 32, 0),
                List.of(1));
    RuntimeOptions runtime = RuntimeOptions.defaults();
    int[] prompt = DecodeLoop.prompt(8, m.config().vocabSize(), 1);
    try (var edge = m.openEdge(1, runtime);
        var cloud = m.openCloud(1, runtime);
        var middle = m.openLayers(1, 3, false, false, WeightFormat.FP32, runtime);
        var tail = m.openLayers(3, 5, false, true, WeightFormat.FP32, runtime);
        SplitSession plain = new SplitSession(edge, cloud, 16);
        SplitSession u = new SplitSession(edge, middle, tail, 16)) {
      int[] next = {Sampler.argmax(plain.run(prompt))};
      assertThat(Sampler.argmax(u.run(prompt))).isEqualTo(next[0]);
      plain.decoding(true);
      u.decoding(true);
      for (int i = 0; i < 10; i++) {
        int fromPlain = Sampler.argmax(plain.run(next));
        assertThat(Sampler.argmax(u.run(next))).as("step " + i).isEqualTo(fromPlain);
        next[0] = fromPlain;
      }
      assertThat(u.edgeNanos.count()).isEqualTo(10);
      assertThat(u.cloudNanos.count()).isEqualTo(10);
    }
  }

  @Test
  void benchCommand_returnCut_runsTheUShapeInProcess(@TempDir Path tmp) throws Exception {
    StringWriter out = new StringWriter();
    int code =
        command(out)
            .execute(
                "--model",
                SharedModels.require("stories260K").toString(),
                "--quant",
                "int8",
                "--cut",
                "1",
                "--return-cut",
                "3",
                "--prompt-tokens",
                "16",
                "--tokens",
                "8",
                "--warmup",
                "2",
                "--max-context",
                "64",
                "--bandwidth-mb",
                "8",
                "--no-loopback",
                "--rounds",
                "1",
                "--cache",
                tmp.resolve("cache").toString(),
                "--out",
                tmp.resolve("out").toString());
    assertThat(code).as(logText.toString()).isZero();
    assertThat(out.toString())
        .contains("u-in-process", "U-shaped split, return cut 3")
        .doesNotContain("split-in-process");
    JsonNode r =
        new ObjectMapper().readTree(tmp.resolve("out/bench.json").toFile()).get("results").get(0);
    assertThat(r.get("cut").asInt()).isEqualTo(1);
    assertThat(r.get("returnCut").asInt()).isEqualTo(3);
    assertThat(r.get("modes").get(1).get("name").asText()).isEqualTo("u-in-process");
    assertThat(r.get("modes").get(1).get("decodeTokensPerSecond").asDouble()).isPositive();
    // embedding, 5 layers, head: the edge runs layer 0 and, from the return cut on, 3, 4 and the
    // head
    assertThat(r.get("parts"))
        .extracting(p -> p.get("side").asText())
        .containsExactly("edge", "edge", "cloud", "cloud", "edge", "edge", "edge");
  }

  @Test
  void benchCommand_returnCutNotAboveEveryCut_isAUsageError(@TempDir Path tmp) {
    StringWriter out = new StringWriter();
    int code =
        command(out)
            .execute(
                "--model",
                SharedModels.require("stories260K").toString(),
                "--quant",
                "fp32",
                "--cut",
                "1,3",
                "--return-cut",
                "3",
                "--max-context",
                "64",
                "--no-loopback",
                "--cache",
                tmp.resolve("cache").toString(),
                "--out",
                tmp.resolve("out").toString());
    assertThat(code).isEqualTo(2);
    assertThat(logText.toString())
        .contains("--return-cut 3 must be above --cut 3 and at most the model's 5 layers")
        .doesNotContain("Exception", "\tat ");
  }

  /** U-shaped speculation on the one-session worker and on the batching worker (which rewinds). */
  @ParameterizedTest(name = "batch {0}")
  @ValueSource(booleans = {false, true})
  void benchSpeculate_returnCut_speculatesTheUShape_withNoneText(boolean batch) {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new SpeculateCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(log);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--model",
                SharedModels.require("stories260K").toString(),
                "--cut",
                "1",
                "--return-cut",
                "3",
                "--speculate",
                "none,ngram",
                "--link-rtt",
                "5",
                "--tokens",
                "48",
                "--prompt",
                "Once upon a time"));
    if (batch) {
      args.addAll(List.of("--batch", "--concurrent", "3"));
    }
    int code = cl.execute(args.toArray(String[]::new));
    assertThat(code).as(logText.toString()).isZero();
    assertThat(logText.toString()).contains("U-shaped: the worker runs [1,3)");
    // ngram drafts over a U session: a row of tokens/s and tokens per round trip (the batching
    // table has no "x none" column), with the text of one token per trip
    assertThat(out.toString())
        .containsPattern(
            batch
                ? "\\| ngram \\| [0-9.]+ \\| [0-9.]+ \\|"
                : "\\| ngram \\| [0-9.]+ \\| [0-9.]+x \\| [0-9.]+ \\|");
    assertThat(
            out.toString().lines().filter(l -> l.startsWith("| ngram |")).findFirst().orElseThrow())
        .endsWith("| yes |");
  }

  private CommandLine command(StringWriter out) {
    CommandLine cl = new CommandLine(new BenchCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(log);
    return cl;
  }
}
