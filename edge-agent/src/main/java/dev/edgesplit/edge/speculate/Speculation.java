package dev.edgesplit.edge.speculate;

import dev.edgesplit.engine.sampling.SamplingParams;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.proto.v1.DraftSource;
import java.util.Objects;

/**
 * An agent's speculative decoding: the default draft source, the most drafts per round trip, and
 * the chains the board drafts with. The chains are opened and closed by the caller (main), after
 * the agent. Thread-safe: each generation opens its own {@link Drafter}.
 */
public final class Speculation {

  private final DraftSource defaultSource;
  private final int maxWindow;
  private final SegmentChain draftModel;
  private final SegmentChain earlyExitHead;

  /**
   * @param defaultSource for requests that name none
   * @param maxWindow most drafts per round trip (0: never speculate, and say so at handshake)
   * @param draftModel a whole model with the target's vocabulary (token ids in, logits out), or
   *     null
   * @param earlyExitHead the target's final norm and LM head alone (layers [N, N)), or null
   */
  public Speculation(
      DraftSource defaultSource,
      int maxWindow,
      SegmentChain draftModel,
      SegmentChain earlyExitHead) {
    this.defaultSource = Objects.requireNonNull(defaultSource, "defaultSource");
    if (maxWindow < 0) {
      throw new IllegalArgumentException("max window must be >= 0, got " + maxWindow);
    }
    this.maxWindow = maxWindow;
    this.draftModel = draftModel;
    this.earlyExitHead = earlyExitHead;
    if (defaultSource != DraftSource.DRAFT_SOURCE_UNSPECIFIED) {
      choose(defaultSource);
    }
  }

  /** One token per round trip, nothing to draft with. */
  public static Speculation none() {
    return new Speculation(DraftSource.DRAFT_SOURCE_NONE, 0, null, null);
  }

  /** Most drafts per round trip the board asks the worker for at handshake. */
  public int maxWindow() {
    return maxWindow;
  }

  /**
   * The source a generation uses: the request's, else the agent's default.
   *
   * @throws IllegalArgumentException when the board cannot draft that way (no draft model, no head)
   */
  public DraftSource choose(DraftSource requested) {
    DraftSource source =
        requested == DraftSource.DRAFT_SOURCE_UNSPECIFIED ? defaultSource : requested;
    switch (source) {
      case DRAFT_SOURCE_UNSPECIFIED:
      case DRAFT_SOURCE_NONE:
        return DraftSource.DRAFT_SOURCE_NONE;
      case DRAFT_SOURCE_NGRAM:
        break;
      case DRAFT_SOURCE_MODEL:
        if (draftModel == null) {
          throw new IllegalArgumentException(
              "draft source model needs a draft model on the agent " + "(speculate.draft_model)");
        }
        break;
      case DRAFT_SOURCE_EARLY_EXIT:
        if (earlyExitHead == null) {
          throw new IllegalArgumentException(
              "draft source early-exit needs the model's head on the board "
                  + "(a per-layer compiled model)");
        }
        break;
      default:
        throw new IllegalArgumentException("unknown draft source " + source);
    }
    if (maxWindow == 0) {
      throw new IllegalArgumentException(
          "speculation is disabled on this agent (speculate.max_window = 0)");
    }
    return source;
  }

  /**
   * A drafter for one generation, or null for {@code DRAFT_SOURCE_NONE}; the caller closes it.
   *
   * @param edge the generation's edge chain and its state (early exit runs the edge layers itself)
   * @param sampling the generation's sampling (a draft model drafts the same way)
   */
  public Drafter open(
      DraftSource source, SegmentChain edge, ChainState edgeState, SamplingParams sampling) {
    switch (source) {
      case DRAFT_SOURCE_NGRAM:
        return new NgramDrafter();
      case DRAFT_SOURCE_MODEL:
        return new ModelDrafter(draftModel, sampling);
      case DRAFT_SOURCE_EARLY_EXIT:
        return new EarlyExitDrafter(edge, edgeState, earlyExitHead);
      default:
        return null;
    }
  }
}
