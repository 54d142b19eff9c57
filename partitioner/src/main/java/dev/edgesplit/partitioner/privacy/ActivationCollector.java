package dev.edgesplit.partitioner.privacy;

import dev.edgesplit.engine.model.ModelConfig;
import dev.edgesplit.engine.sampling.Sampler;
import dev.edgesplit.engine.sampling.SamplingParams;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the real ONNX segments of a per-layer fp32 build one layer at a time and records {@code h_k}
 * at every cut for each position: the states a worker would receive at that cut. Not thread-safe;
 * close it to release the sessions.
 */
public final class ActivationCollector implements AutoCloseable {

  private final ModelConfig config;
  private final List<SegmentChain> chains = new ArrayList<>(); // embedding, layer 0 .. N-1, head

  /** {@code model} must be a per-layer build with fp32 layers ({@code compile --per-layer}). */
  public ActivationCollector(CompiledModel model, RuntimeOptions options) {
    this.config = model.config();
    try {
      chains.add(model.openLayers(0, 0, true, false, WeightFormat.FP32, options));
      for (int layer = 0; layer < config.nLayers(); layer++) {
        chains.add(model.openLayers(layer, layer + 1, false, false, WeightFormat.FP32, options));
      }
      chains.add(
          model.openLayers(
              config.nLayers(), config.nLayers(), false, true, WeightFormat.FP32, options));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Longest sequence the segments hold. */
  public int maxContext() {
    return chains.get(0).maxContext();
  }

  /**
   * {@code sequences} texts the model samples itself (temperature 1, seeds {@code seed, seed + 1,
   * ..}), each starting with {@code bos} and {@code length} tokens long (capped at the context).
   */
  public ActivationBank generated(int sequences, int length, int bos, long seed) {
    Recorder recorder = new Recorder(sequences * Math.min(length, maxContext()));
    for (int s = 0; s < sequences; s++) {
      Sampler sampler = new Sampler(new SamplingParams(1f, 0, 1f, seed + s), config.vocabSize());
      run(
          s,
          bos,
          Math.min(length, maxContext()),
          (position, logits) -> sampler.sample(logits, position),
          recorder);
    }
    return recorder.bank();
  }

  /**
   * The model read along the given token sequences (teacher forcing), each capped at the context.
   */
  public ActivationBank read(List<int[]> sequences) {
    int total = sequences.stream().mapToInt(t -> Math.min(t.length, maxContext())).sum();
    Recorder recorder = new Recorder(total);
    for (int s = 0; s < sequences.size(); s++) {
      int[] tokens = sequences.get(s);
      run(
          s,
          tokens[0],
          Math.min(tokens.length, maxContext()),
          (position, logits) -> tokens[position],
          recorder);
    }
    return recorder.bank();
  }

  /** Feeds {@code first}, then whatever {@code next} picks, recording h_k of every position. */
  private void run(int sequence, int first, int length, NextToken next, Recorder recorder) {
    List<ChainState> states = new ArrayList<>();
    try {
      for (SegmentChain c : chains) {
        states.add(c.newState());
      }
      int token = first;
      for (int position = 0; position < length; position++) {
        FloatBuffer h = chains.get(0).decodeToken(states.get(0), token);
        recorder.begin(token, sequence, position);
        for (int k = 0; k <= config.nLayers(); k++) {
          recorder.put(k, h);
          h = chains.get(k + 1).decodeHidden(states.get(k + 1), h); // layer k, then the head
        }
        float[] logits = new float[config.vocabSize()];
        h.get(h.position(), logits);
        if (position + 1 < length) {
          token = next.pick(position + 1, logits);
        }
      }
    } finally {
      states.forEach(ChainState::close);
    }
  }

  @Override
  public void close() {
    chains.forEach(SegmentChain::close);
    chains.clear();
  }

  @FunctionalInterface
  private interface NextToken {
    int pick(int position, float[] logits);
  }

  private final class Recorder {
    private final int[] tokens;
    private final int[] sequence;
    private final int[] positions;
    private final float[][] hidden;
    private int n = -1;

    Recorder(int capacity) {
      tokens = new int[capacity];
      sequence = new int[capacity];
      positions = new int[capacity];
      hidden = new float[config.nLayers() + 1][capacity * config.dim()];
    }

    void begin(int token, int seq, int position) {
      n++;
      tokens[n] = token;
      sequence[n] = seq;
      positions[n] = position;
    }

    void put(int cut, FloatBuffer h) {
      h.get(h.position(), hidden[cut], n * config.dim(), config.dim());
    }

    ActivationBank bank() {
      return new ActivationBank(config.dim(), tokens, sequence, positions, hidden);
    }
  }
}
