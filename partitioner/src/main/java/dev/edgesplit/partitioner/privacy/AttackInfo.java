package dev.edgesplit.partitioner.privacy;

/** An attack's column name and how it works. */
public record AttackInfo(String name, String method) {}
