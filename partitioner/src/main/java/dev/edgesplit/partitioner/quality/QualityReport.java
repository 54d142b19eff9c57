package dev.edgesplit.partitioner.quality;

import dev.edgesplit.engine.segment.WeightFormat;

/**
 * How closely a split with quantized edge layers follows the fp32 model.
 *
 * @param format edge weight format
 * @param cut layers [0,cut) ran quantized
 * @param positions positions compared
 * @param top1Agreement fraction of positions where both models' most likely next token is the same
 * @param meanKl mean KL(p_fp32 || p_quantized) in nats
 * @param maxKl largest KL at any position
 */
public record QualityReport(
    WeightFormat format,
    int cut,
    int positions,
    double top1Agreement,
    double meanKl,
    double maxKl) {}
