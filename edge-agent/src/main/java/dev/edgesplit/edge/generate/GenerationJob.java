package dev.edgesplit.edge.generate;

import dev.edgesplit.edge.link.CloudSessions;
import dev.edgesplit.edge.link.GenerationSettings;
import dev.edgesplit.edge.speculate.Speculation;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.v1.DraftSource;
import java.util.Objects;

/**
 * What one generation runs: the validated request, the route's edge layers and cloud, and the
 * agent's settings, hooks and drafting.
 *
 * @param edge layers [0, cut) of the route (tokens in, h_cut out), shared by generations
 * @param cloud where the cloud's layers of the route's cut run (a worker pool, with recovery and
 *     fallback)
 * @param speculation the agent's drafting chains and limits; {@link Speculation#none()}
 * @param draftSource where this generation's drafts come from ({@link Speculation#choose}); NONE:
 *     one token per round trip
 */
public record GenerationJob(
    ValidRequest request,
    SegmentChain edge,
    Tokenizer tokenizer,
    CloudSessions cloud,
    GenerationSettings settings,
    StepHooks hooks,
    Speculation speculation,
    DraftSource draftSource) {

  public GenerationJob {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(edge, "edge");
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(cloud, "cloud");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(hooks, "hooks");
    Objects.requireNonNull(speculation, "speculation");
    Objects.requireNonNull(draftSource, "draftSource");
  }
}
