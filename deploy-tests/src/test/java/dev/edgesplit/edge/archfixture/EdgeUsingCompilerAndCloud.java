package dev.edgesplit.edge.archfixture;

/**
 * Breaks the layering on purpose: an edge class that uses the compiler and the cloud worker
 * (ArchitectureTest).
 */
public final class EdgeUsingCompilerAndCloud {
  public java.util.List<Class<?>> used() {
    // Class literals, not constants: javac inlines constants, which would leave no dependency to
    // find.
    return java.util.List.of(
        dev.edgesplit.partitioner.Compiler.class, dev.edgesplit.cloud.CloudWorker.class);
  }
}
