package dev.edgesplit.partitioner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.engine.generate.GenerationRequest;
import dev.edgesplit.engine.generate.GenerationResult;
import dev.edgesplit.engine.generate.LocalGenerator;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.testkit.SharedModels;
import dev.edgesplit.testkit.Stories260k;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The real stories260K model, split at every cut, prints llama2.c's greedy reference text. */
class Stories260kSplitTest {

  static final String REFERENCE = Stories260k.REFERENCE;

  @TempDir static Path dir;
  static CompiledModel compiled;
  static Tokenizer tokenizer;

  @BeforeAll
  static void compile() throws Exception {
    Path model = SharedModels.require("stories260K");
    compiled =
        new Compiler(
                new CompileOptions(
                    null, WeightFormat.FP32, WeightFormat.FP32, SegmentOptions.defaults(512)))
            .compile(ModelImporter.load(model), dir);
    tokenizer = Tokenizers.load(compiled.tokenizerFile());
  }

  @ParameterizedTest(name = "cut {0}")
  @ValueSource(ints = {0, 1, 2, 3, 4, 5})
  void greedyText_equalsLlama2cReference_atEveryCut(int cut) {
    try (SegmentChain edge = compiled.openEdge(cut, RuntimeOptions.defaults());
        SegmentChain cloud = compiled.openCloud(cut, RuntimeOptions.defaults())) {
      // run.c -n 100 counts prompt positions too: 100 positions = prompt + generated - 1.
      int promptTokens = tokenizer.encode("Once upon a time", true).length;
      GenerationResult result =
          new LocalGenerator(edge, cloud, tokenizer)
              .generate(
                  GenerationRequest.greedy("Once upon a time", 100 - promptTokens + 1),
                  (id, t, lp) -> {});
      assertThat(result.text()).isEqualTo(REFERENCE);
    }
  }
}
