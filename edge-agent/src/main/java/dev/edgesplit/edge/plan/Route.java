package dev.edgesplit.edge.plan;

import dev.edgesplit.edge.link.CloudLink;
import dev.edgesplit.engine.segment.SegmentChain;
import java.util.Objects;

/**
 * Where a new generation runs: the cut, the edge chain of that cut and the cloud link that handshook it.
 *
 * @param cut  edge runs embedding + layers [0, cut)
 * @param edge the edge chain of that cut
 * @param link the cloud link whose handshake names that cut
 */
public record Route(int cut, SegmentChain edge, CloudLink link) {

  public Route {
    Objects.requireNonNull(edge, "edge");
    Objects.requireNonNull(link, "link");
    if (edge.endLayer() != cut) {
      throw new IllegalArgumentException("edge chain ends at layer " + edge.endLayer() + ", not at cut " + cut);
    }
  }
}
