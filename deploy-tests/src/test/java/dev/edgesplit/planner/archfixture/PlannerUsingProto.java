package dev.edgesplit.planner.archfixture;

/**
 * Breaks the layering on purpose: a planner class that uses the wire contract (see
 * ArchitectureTest).
 */
public final class PlannerUsingProto {
  public Class<?> used() {
    return dev.edgesplit.proto.Protocol.class;
  }
}
