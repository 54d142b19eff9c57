package dev.edgesplit.cloud.archfixture;

/**
 * Breaks the layering on purpose: a cloud class that uses the edge agent (see ArchitectureTest).
 */
public final class CloudUsingEdge {
  public Class<?> agent() {
    return dev.edgesplit.edge.EdgeAgent.class;
  }
}
