package dev.edgesplit.bench;

import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH: one decode step of the edge chain (embedding + [0,cut)), the cloud chain ([cut,N) + head) or
 * the whole model, on a compiled bench model, through the allocation-free decode API ({@code
 * decodeToken}, {@code decodeHidden}), with ONNX Runtime called through IoBinding or, for
 * comparison, {@code OrtSession.run}. The counters {@code stepBytes} / {@code steps} are the heap
 * bytes the steps allocated. The KV cache is prefilled with {@code prefill} positions; when it
 * fills up it starts again at position 0, so attention averages about half the context.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DecodeStepBenchmark {

  /** A compiled bench model directory ({@code edgesplit bench} prints it). */
  @Param("")
  public String modelDir;

  /** edge, cloud or whole. */
  @Param("edge")
  public String side;

  @Param("10")
  public int cut;

  @Param("1")
  public int threads;

  @Param("int4")
  public String quant;

  @Param("128")
  public int prefill;

  /** iobinding or session-run. */
  @Param("iobinding")
  public String runner;

  private SegmentChain chain;
  private ChainState state;
  private final int[] token = {1};
  private float[] hidden;
  private FloatBuffer hiddenView;

  @Setup
  public void open() {
    if (modelDir.isEmpty()) {
      throw new IllegalArgumentException("set -p modelDir=DIR (a compiled bench model)");
    }
    CompiledModel model = CompiledModel.load(Path.of(modelDir));
    RuntimeOptions runtime =
        switch (runner) {
          case "iobinding" -> new RuntimeOptions(threads, 0);
          case "session-run" -> new RuntimeOptions(threads, 0).withoutIoBinding();
          default ->
              throw new IllegalArgumentException(
                  "runner must be iobinding or session-run, got " + runner);
        };
    if (runner.equals("iobinding") && !SegmentChain.allocationFreeSteps()) {
      throw new IllegalStateException(
          "asked for iobinding, steps run through " + SegmentChain.stepRunner());
    }
    WeightFormat format = WeightFormat.parse(quant);
    switch (side) {
      case "edge":
        chain = model.openEdge(cut, runtime);
        break;
      case "cloud":
        chain = model.openCloud(cut, runtime);
        break;
      case "whole":
        chain = model.openWhole(format, runtime);
        break;
      default:
        throw new IllegalArgumentException("side must be edge, cloud or whole, got " + side);
    }
    state = chain.newState();
    int dim = chain.config().dim();
    SplittableRandom random = new SplittableRandom(5);
    hidden = new float[dim];
    for (int i = 0; i < dim; i++) {
      hidden[i] = (float) random.nextGaussian();
    }
    hiddenView = FloatBuffer.wrap(hidden);
    if (chain.takesTokens()) {
      chain.forwardTokens(state, random.ints(prefill, 0, chain.config().vocabSize()).toArray());
    } else {
      float[] many = new float[prefill * dim];
      for (int i = 0; i < many.length; i++) {
        many[i] = (float) random.nextGaussian();
      }
      chain.forwardHidden(state, many, prefill);
    }
  }

  /**
   * Heap bytes the measured thread allocated inside {@link #step} calls, and how many calls: JMH's
   * own {@code gc.alloc.rate.norm} also counts its bookkeeping between iterations (tens of KB
   * spread over a few hundred 2-ms steps), this counts only the step.
   */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class StepAllocations {
    private final ThreadAllocations thread = new ThreadAllocations();
    public long stepBytes;
    public long steps;

    @Setup(Level.Iteration)
    public void clear() {
      stepBytes = 0;
      steps = 0;
    }
  }

  /**
   * The allocation-free decode API the serving paths use: the result is a view of the chain's own
   * buffer.
   */
  @Benchmark
  public FloatBuffer step(StepAllocations allocations) {
    long before = allocations.thread.current();
    if (state.position() + 1 >= chain.maxContext()) {
      state.reset();
    }
    FloatBuffer out =
        chain.takesTokens()
            ? chain.decodeToken(state, token[0])
            : chain.decodeHidden(state, hiddenView.rewind());
    allocations.stepBytes += allocations.thread.current() - before;
    allocations.steps++;
    return out;
  }

  @TearDown
  public void close() {
    state.close();
    chain.close();
  }
}
