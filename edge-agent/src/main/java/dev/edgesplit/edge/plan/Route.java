package dev.edgesplit.edge.plan;

import dev.edgesplit.edge.link.CloudSessions;
import dev.edgesplit.engine.segment.SegmentChain;
import java.util.Objects;

/**
 * Where a new generation runs: the cut, the edge chain of that cut and the cloud side of that cut
 * (its worker pool, with failover, replay and the optional local fallback).
 *
 * @param cut edge runs embedding + layers [0, cut)
 * @param edge the edge chain of that cut
 * @param cloud the cloud sessions whose workers handshake that cut
 */
public record Route(int cut, SegmentChain edge, CloudSessions cloud) {

  public Route {
    Objects.requireNonNull(edge, "edge");
    Objects.requireNonNull(cloud, "cloud");
    if (edge.endLayer() != cut) {
      throw new IllegalArgumentException(
          "edge chain ends at layer " + edge.endLayer() + ", not at cut " + cut);
    }
    if (cloud.cut() != cut) {
      throw new IllegalArgumentException(
          "cloud sessions run cut " + cloud.cut() + ", not cut " + cut);
    }
  }
}
