package dev.edgesplit.cli;

import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.speculate.Speculation;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.proto.v1.DraftSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/**
 * Opens what the edge agent drafts with ({@code speculate.*}): the target's final norm and LM head
 * for early-exit drafting (a per-layer build has it), and a draft model run whole, by default the
 * target's own source compiled int4.
 */
final class Speculations {

  /** Weights of a draft model compiled from the target's own source. */
  static final String DEFAULT_DRAFT_WEIGHTS = "int4";

  private Speculations() {}

  /**
   * @param opened receives every chain opened here; the caller closes them after the agent
   */
  static Speculation open(
      EdgeConfig cfg,
      CompiledModel compiled,
      ModelOptions model,
      RuntimeOptions runtime,
      PrintWriter err,
      List<AutoCloseable> opened)
      throws IOException {
    EdgeConfig.Speculate s = cfg.speculate();
    if (s.maxWindow() == 0) {
      return Speculation.none();
    }
    int n = compiled.config().nLayers();
    SegmentChain head = null;
    if (compiled.servesCut(n)) {
      head = compiled.openCloud(n, runtime);
      opened.add(head);
    }
    SegmentChain draft = null;
    if (s.source() == DraftSource.DRAFT_SOURCE_MODEL || s.draftModel() != null) {
      ModelOptions draftOptions = model.withWeights(DEFAULT_DRAFT_WEIGHTS);
      CompiledModel draftModel =
          s.draftModel() != null
              ? draftOptions.compiled(s.draftModel().toString(), err, null)
              : draftOptions.compiled(err, null);
      if (draftModel.config().vocabSize() != compiled.config().vocabSize()) {
        throw new IllegalArgumentException(
            "draft model has a vocabulary of "
                + draftModel.config().vocabSize()
                + " tokens, the target "
                + compiled.config().vocabSize());
      }
      draft = draftModel.openWhole(draftModel.manifest().edgeWeights(), runtime);
      opened.add(draft);
    }
    return new Speculation(s.source(), s.maxWindow(), draft, head);
  }
}
