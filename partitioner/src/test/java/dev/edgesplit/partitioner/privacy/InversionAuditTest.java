package dev.edgesplit.partitioner.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.CompileOptions;
import dev.edgesplit.partitioner.Compiler;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.testkit.SharedModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit, run on the real stories260K weights and segments, finds the leak a cloud operator can
 * exploit.
 */
class InversionAuditTest {

  @TempDir static Path dir;
  static AuditReport report;
  static ActivationBank bank;

  @BeforeAll
  static void audit() throws Exception {
    ModelWeights weights = ModelImporter.load(SharedModels.require("stories260K"));
    CompiledModel compiled =
        new Compiler(
                new CompileOptions(
                    null, WeightFormat.FP32, WeightFormat.FP32, SegmentOptions.defaults(512)))
            .compile(weights, dir);
    int bos = Tokenizers.load(compiled.tokenizerFile()).bos();
    try (ActivationCollector collector =
        new ActivationCollector(compiled, RuntimeOptions.defaults())) {
      bank = collector.generated(24, 96, bos, 7);
    }
    report =
        InversionAudit.standard()
            .run(
                "stories260K",
                "generated",
                bank,
                AttackerKnowledge.of(weights),
                Split.bySequence(bank, 0.25));
  }

  @Test
  void audit_recoversTheLargeMajorityOfHeldOutTokens_atCut1() {
    CutRecovery cut1 = report.cuts().get(1);
    assertThat(cut1.best()).isGreaterThan(0.9);
    assertThat(cut1.recovery()[column("emb-cos")])
        .as("nearest embedding, no training")
        .isGreaterThan(0.9);
  }

  @Test
  void learnedAttacks_stillRecoverMostTokens_deeperThanEmbeddingMatchingReaches() {
    CutRecovery cut4 = report.cuts().get(4);
    assertThat(cut4.recovery()[column("emb-cos")]).isLessThan(0.5);
    assertThat(cut4.best()).isGreaterThan(0.5);
  }

  @Test
  void cut0_sendsTokenIds_andTheLastCut_leaksThroughTheModelsOwnHead() {
    assertThat(report.cuts().get(0).best()).isEqualTo(1.0);
    assertThat(report.cuts().get(5).recovery()[column("lens")])
        .isGreaterThan(report.cuts().get(1).recovery()[column("lens")]);
    assertThat(report.worstBetween(2, 4)).isEqualTo(report.cuts().get(2).best());
  }

  @Test
  void heldOutPositions_comeFromSequencesTheAttackNeverSaw() {
    Split split = Split.bySequence(bank, 0.25);
    int[] trainSeqs =
        Arrays.stream(split.train()).map(i -> bank.sequence()[i]).distinct().toArray();
    assertThat(Arrays.stream(split.test()).map(i -> bank.sequence()[i]))
        .doesNotContainAnyElementsOf(Arrays.stream(trainSeqs).boxed().toList());
    assertThat(report.testPositions()).isEqualTo(6 * 95);
  }

  private static int column(String name) {
    List<String> names = report.attacks().stream().map(AttackInfo::name).toList();
    return names.indexOf(name);
  }
}
