package dev.edgesplit.engine.archfixture;

/** Breaks the layering on purpose: an engine class that uses gRPC (see ArchitectureTest). */
public final class EngineUsingGrpc {
  public io.grpc.Status status() {
    return io.grpc.Status.OK;
  }
}
