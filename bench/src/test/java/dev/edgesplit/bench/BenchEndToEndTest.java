package dev.edgesplit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.partitioner.cache.BenchModel;
import dev.edgesplit.partitioner.cache.ModelCache;
import dev.edgesplit.testkit.SharedModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The real stories260K through the whole benchmark, with few tokens (the numbers are not asserted,
 * the shape is).
 */
class BenchEndToEndTest {

  private final StringWriter logText = new StringWriter();
  private final PrintWriter log = new PrintWriter(logText, true);

  @Test
  void benchModel_writesEverySegmentOnce_andAddsOnlyANewCutLater(@TempDir Path cache)
      throws Exception {
    Path source = SharedModels.require("stories260K");
    ModelCache models = new ModelCache(cache, log);
    BenchModel.Settings settings = new BenchModel.Settings(256, 32, 0);
    CompiledModel first = models.bench(source.toString(), WeightFormat.INT4, settings, List.of(2));
    assertThat(first.manifest().segments())
        .extracting(e -> e.file())
        .contains(
            "whole-int4.onnx",
            "edge-002-int4.onnx",
            "cloud-002-int4.onnx",
            "embed.onnx",
            "layer-004-int4.onnx",
            "head-int4.onnx");
    assertThat(first.tokenizerFile()).exists();
    Path whole = first.directory().resolve("whole-int4.onnx");
    Files.setLastModifiedTime(whole, FileTime.fromMillis(1000));

    CompiledModel second =
        models.bench(source.toString(), WeightFormat.INT4, settings, List.of(2, 3));
    assertThat(second.directory()).isEqualTo(first.directory());
    assertThat(Files.getLastModifiedTime(whole).toMillis()).isEqualTo(1000);
    assertThat(second.manifest().segments())
        .extracting(e -> e.file())
        .contains("edge-003-int4.onnx");
    assertThat(second.servesCut(3)).isTrue();
  }

  @Test
  void benchCommand_inProcess_printsTheTableAndWritesJsonAndMarkdown(@TempDir Path tmp)
      throws Exception {
    Path source = SharedModels.require("stories260K");
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new BenchCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(log);
    int code =
        cl.execute(
            "--model",
            source.toString(),
            "--quant",
            "int8",
            "--cut",
            "1,3",
            "--threads",
            "1",
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
            "2",
            "--cache",
            tmp.resolve("cache").toString(),
            "--out",
            tmp.resolve("out").toString());
    assertThat(code).as(logText.toString()).isZero();
    assertThat(out.toString()).contains("unsplit", "split-in-process", "edgesplit bench (real)");

    JsonNode json = new ObjectMapper().readTree(tmp.resolve("out/bench.json").toFile());
    JsonNode results = json.get("results");
    assertThat(results).hasSize(2);
    JsonNode r = results.get(1);
    assertThat(r.get("cut").asInt()).isEqualTo(3);
    assertThat(r.get("quant").asText()).isEqualTo("int8 (block 32)");
    assertThat(r.get("modes")).hasSize(2);
    assertThat(r.get("modes").get(0).get("decodeTokens").asInt()).isEqualTo(8);
    assertThat(r.get("modes").get(0).get("decodeTokensPerSecond").asDouble()).isPositive();
    // Two interleaved rounds of each in-process mode; the mode's figures are one of them (the lower
    // middle).
    for (JsonNode mode : r.get("modes")) {
      assertThat(mode.get("roundsTokensPerSecond")).hasSize(2);
      assertThat(mode.get("decodeTokensPerSecond").asDouble())
          .isEqualTo(
              Math.min(
                  mode.get("roundsTokensPerSecond").get(0).asDouble(),
                  mode.get("roundsTokensPerSecond").get(1).asDouble()));
    }
    assertThat(r.get("splitBreakdown").get("bytesPerToken").asLong()).isEqualTo(2 * 64);
    assertThat(r.get("roofline").get("copyGbPerSecond").asDouble()).isPositive();
    // embedding, 5 layers, head; layers 0-2 are on the edge at cut 3
    assertThat(r.get("parts")).hasSize(7);
    assertThat(r.get("parts").get(3).get("side").asText()).isEqualTo("edge");
    assertThat(r.get("parts").get(4).get("side").asText()).isEqualTo("cloud");
    // ONNX Runtime's own profile of layer 2: q|k|v, o, gate|up and down are the four MatMulNBits
    // nodes
    JsonNode ops = r.get("operators");
    assertThat(ops.get(ops.size() - 1).get("opType").asText()).isEqualTo("(outside operators)");
    JsonNode matMul = null;
    for (JsonNode op : ops) {
      assertThat(op.get("msPerStep").asDouble()).as(op.toString()).isPositive();
      assertThat(op.get("prefillMs").asDouble()).as(op.toString()).isPositive();
      if (op.get("opType").asText().equals("MatMulNBits")) {
        matMul = op;
      }
    }
    assertThat(matMul).isNotNull();
    assertThat(matMul.get("nodes").asDouble()).isEqualTo(4.0);
    String md = Files.readString(tmp.resolve("out/bench.md"));
    assertThat(md)
        .contains(
            "./edgesplit bench --model",
            "| 1 | 3 | split-in-process |",
            "| layer 4 | cloud |",
            "Layer 2 by operator",
            "| MatMulNBits | 4 |",
            "each in-process round",
            "| 1 |  | unsplit | ");
  }

  @Test
  void unsplitAndSplit_chooseTheSameGreedyTokens(@TempDir Path cache) throws Exception {
    Path source = SharedModels.require("stories260K");
    CompiledModel m =
        new ModelCache(cache, log)
            .bench(
                source.toString(),
                WeightFormat.FP32,
                new BenchModel.Settings(64, 32, 0),
                List.of(2));
    var runtime = dev.edgesplit.engine.segment.RuntimeOptions.defaults();
    int[] prompt = DecodeLoop.prompt(8, m.config().vocabSize(), 1);
    try (var whole = m.openWhole(WeightFormat.FP32, runtime);
        var edge = m.openEdge(2, runtime);
        var cloud = m.openCloud(2, runtime);
        WholeSession a = new WholeSession(whole, 16);
        SplitSession b = new SplitSession(edge, cloud, 16)) {
      int[] next = {Sampler.argmax(a.run(prompt))};
      assertThat(Sampler.argmax(b.run(prompt))).isEqualTo(next[0]);
      a.decoding(true);
      b.decoding(true);
      for (int i = 0; i < 10; i++) {
        int fromWhole = Sampler.argmax(a.run(next));
        int fromSplit = Sampler.argmax(b.run(next));
        assertThat(fromSplit).as("step " + i).isEqualTo(fromWhole);
        next[0] = fromWhole;
      }
      assertThat(b.edgeNanos.count()).isEqualTo(10);
      assertThat(a.allocated.count()).isEqualTo(10);
    }
  }
}
