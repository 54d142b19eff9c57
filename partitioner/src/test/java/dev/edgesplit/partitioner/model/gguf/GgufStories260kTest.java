package dev.edgesplit.partitioner.model.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.engine.generate.GenerationRequest;
import dev.edgesplit.engine.generate.GenerationResult;
import dev.edgesplit.engine.generate.LocalGenerator;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.TokenizerConfig;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.CompileOptions;
import dev.edgesplit.partitioner.Compiler;
import dev.edgesplit.partitioner.model.FloatTensor;
import dev.edgesplit.partitioner.model.HalfFloats;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.partitioner.onnx.proto.ModelProto;
import dev.edgesplit.partitioner.onnx.proto.TensorProto;
import dev.edgesplit.testkit.SharedModels;
import dev.edgesplit.testkit.Stories260k;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * stories260K as GGUF, written by llama.cpp's own gguf writer (../shared/models/stories260K-gguf):
 * the F32 file prints llama2.c's reference text at every cut, the Q8_0 file's blocks reach the ONNX
 * segments bit for bit, and the tokenizer rebuilt from the metadata gives tok512.bin's ids.
 */
class GgufStories260kTest {

  @TempDir static Path dir;
  static Path f32;
  static Path q8;
  static CompiledModel compiled;
  static Tokenizer tokenizer;

  @BeforeAll
  static void compile() throws Exception {
    f32 = SharedModels.require("stories260K-gguf/stories260K-F32.gguf");
    q8 = SharedModels.require("stories260K-gguf/stories260K-Q8_0.gguf");
    compiled =
        new Compiler(
                new CompileOptions(
                    null, WeightFormat.FP32, WeightFormat.FP32, SegmentOptions.defaults(512)))
            .compile(ModelImporter.load(f32), dir.resolve("f32"));
    tokenizer = Tokenizers.load(compiled.tokenizerFile());
  }

  @ParameterizedTest(name = "cut {0}")
  @ValueSource(ints = {0, 1, 2, 3, 4, 5})
  void f32Gguf_printsLlama2cReferenceText_atEveryCut(int cut) {
    try (SegmentChain edge = compiled.openEdge(cut, RuntimeOptions.defaults());
        SegmentChain cloud = compiled.openCloud(cut, RuntimeOptions.defaults())) {
      int promptTokens = tokenizer.encode(Stories260k.PROMPT, true).length;
      GenerationResult result =
          new LocalGenerator(edge, cloud, tokenizer)
              .generate(
                  GenerationRequest.greedy(Stories260k.PROMPT, 100 - promptTokens + 1),
                  (id, t, lp) -> {});
      assertThat(result.text()).isEqualTo(Stories260k.REFERENCE);
    }
  }

  @Test
  void f32Gguf_holdsTheLlama2cCheckpointsWeights_bitForBit() {
    ModelWeights gguf = ModelImporter.load(f32);
    ModelWeights llama2c = ModelImporter.load(SharedModels.require("stories260K"));
    assertThat(gguf.config().withRopeScaling(null))
        .usingRecursiveComparison()
        .ignoringFields("architecture")
        .isEqualTo(llama2c.config());
    assertThat(gguf.tensors().keySet()).isEqualTo(llama2c.tensors().keySet());
    for (Map.Entry<String, FloatTensor> e : llama2c.tensors().entrySet()) {
      assertThat(gguf.tensor(e.getKey()).data())
          .as(e.getKey())
          .containsExactly(e.getValue().data());
    }
  }

  @Test
  void tokenizerFromMetadata_givesTok512Ids() {
    Tokenizer tok512 = Tokenizers.load(SharedModels.require("stories260K/tok512.bin"));
    Tokenizer fromGguf = Tokenizers.load(ModelImporter.load(f32).tokenizer().orElseThrow());
    for (String text :
        List.of(
            "Once upon a time",
            "",
            " ",
            "Lily's mom said, \"Let's go!\"\n\nThe end.",
            "naïve café – 日本語 🙂",
            "  two  spaces\tand a tab",
            "12345 + 678 = 13023",
            "<s> not a control token")) {
      assertThat(fromGguf.encode(text, true)).as(text).containsExactly(tok512.encode(text, true));
      assertThat(fromGguf.decode(tok512.encode(text, true)))
          .isEqualTo(tok512.decode(tok512.encode(text, true)));
    }
    assertThat(fromGguf.bos()).isEqualTo(tok512.bos());
    assertThat(fromGguf.eos()).isEqualTo(tok512.eos());
    assertThat(TokenizerConfig.chatTemplate(compiled.tokenizerFile()))
        .isEmpty(); // this file has none
  }

  @Test
  void q8_0Blocks_reachTheOnnxSegments_bitForBit() throws Exception {
    Compiler compiler =
        new Compiler(
            new CompileOptions(
                2, WeightFormat.INT8, WeightFormat.INT8, SegmentOptions.defaults(512)));
    ModelWeights weights = ModelImporter.load(q8);
    CompiledModel int8 = compiler.compile(weights, dir.resolve("q8"));
    Map<String, TensorProto> initializers = new java.util.HashMap<>();
    for (String segment : List.of("edge.onnx", "cloud.onnx")) {
      ModelProto model =
          ModelProto.parseFrom(Files.readAllBytes(dir.resolve("q8").resolve(segment)));
      initializers.putAll(
          model.getGraph().getInitializerList().stream()
              .collect(Collectors.toMap(TensorProto::getName, t -> t)));
    }
    try (GgufFile file = GgufFile.open(q8)) {
      for (int layer = 0; layer < 5; layer++) {
        String b = "blk." + layer + ".";
        assertBlocks(
            file,
            List.of(b + "attn_q.weight", b + "attn_k.weight", b + "attn_v.weight"),
            initializers,
            "l" + layer + ".qkv.weight");
        assertBlocks(
            file, List.of(b + "attn_output.weight"), initializers, "l" + layer + ".o.weight");
        assertBlocks(
            file,
            List.of(b + "ffn_gate.weight", b + "ffn_up.weight"),
            initializers,
            "l" + layer + ".gate_up.weight");
      }
      assertBlocks(file, List.of("token_embd.weight"), initializers, "lm_head");
    }
    assertThat(compiler.weightOrigins(weights))
        .singleElement()
        .asString()
        .contains(
            "exact Q8_0: wq+wk+wv (5 layers), wo (5 layers), w1+w3 (5 layers), lm_head (tok_embeddings)")
        .contains("w2 (5 layers)");
    // ONNX Runtime runs the segments: greedy text from the Q8_0 weights.
    try (SegmentChain edge = int8.openEdge(2, RuntimeOptions.defaults());
        SegmentChain cloud = int8.openCloud(2, RuntimeOptions.defaults())) {
      Tokenizer tok = Tokenizers.load(int8.tokenizerFile());
      String text =
          new LocalGenerator(edge, cloud, tok)
              .generate(GenerationRequest.greedy(Stories260k.PROMPT, 20), (id, t, lp) -> {})
              .text();
      assertThat(text).startsWith(Stories260k.PROMPT + ",");
    }
  }

  /**
   * The initializers {@code name}.q/.scales/.zero_points equal the GGUF tensors' Q8_0 blocks
   * stacked by rows, decoded here straight from the file's bytes: int8 q stored as q + 128, fp16 d
   * widened, zero point 128.
   */
  private static void assertBlocks(
      GgufFile file, List<String> tensors, Map<String, TensorProto> init, String name) {
    ByteArrayOutputStream q = new ByteArrayOutputStream();
    ByteArrayOutputStream scales = new ByteArrayOutputStream();
    int blocks = 0;
    for (String t : tensors) {
      GgufTensorInfo info = file.tensors().get(t);
      assertThat(info.type()).isEqualTo(GgmlType.Q8_0);
      byte[] raw = file.read(info);
      ByteBuffer le = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
      for (int b = 0; b < raw.length / 34; b++) {
        float d = HalfFloats.halfToFloat(le.getShort(b * 34));
        scales.writeBytes(
            ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(d).array());
        for (int j = 0; j < 32; j++) {
          q.write(raw[b * 34 + 2 + j] + 128);
        }
        blocks++;
      }
    }
    assertThat(init.get(name + ".q").getRawData().toByteArray())
        .as(name + ".q")
        .isEqualTo(q.toByteArray());
    assertThat(init.get(name + ".scales").getRawData().toByteArray())
        .as(name + ".scales")
        .isEqualTo(scales.toByteArray());
    byte[] zp = new byte[blocks];
    java.util.Arrays.fill(zp, (byte) 128);
    assertThat(init.get(name + ".zero_points").getRawData().toByteArray())
        .as(name + ".zero_points")
        .isEqualTo(zp);
  }
}
