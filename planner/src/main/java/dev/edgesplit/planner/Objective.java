package dev.edgesplit.planner;

/** What the planner minimises among the cuts that meet every constraint. */
public enum Objective {
  /** Edge joules per token (the board's battery or power budget). */
  ENERGY,
  /** Per-token latency. */
  LATENCY,
  /** alpha x energy / best energy + (1 - alpha) x latency / best latency. */
  WEIGHTED
}
