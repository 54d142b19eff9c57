package dev.edgesplit.cloud.compute;

import dev.edgesplit.cloud.error.CapacityExceededException;
import dev.edgesplit.engine.segment.BatchedChain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CloudCompute} that batches: every session lives in a slot of one {@link BatchedChain}, and
 * one batcher thread makes every engine call. Whatever decode steps are waiting when it finishes a
 * run go into the next run together (continuous batching), so N concurrent sessions read the
 * weights once per step instead of N times. Prefills run one at a time between batches. Callers
 * block in {@link #forward} until their step is done: the worker's step threads must outnumber the
 * sessions that should batch.
 *
 * <p>Each session gets bit for bit the tokens it gets alone, whoever shares its batches and
 * wherever they are in their sequences (docs/batching.md). A chain with quantized weights does not
 * batch (its batched kernels round differently): its sessions' steps then run one after another on
 * the batcher thread.
 */
public final class BatchingCloudCompute implements CloudCompute, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BatchingCloudCompute.class);

  private final BatchedChain chain;
  private final CloudModelInfo info;
  private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
  private final Thread batcher;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final boolean ownsChain;
  private volatile int lastBatch;
  private volatile int largestBatch;

  /**
   * @param chain opened with {@code CompiledModel.openCloudBatched}; the caller closes it after
   *     this
   */
  public BatchingCloudCompute(BatchedChain chain, String fingerprint) {
    this(chain, fingerprint, false);
  }

  /** A compute that closes {@code chain} when it is closed. */
  public static BatchingCloudCompute owning(BatchedChain chain, String fingerprint) {
    return new BatchingCloudCompute(chain, fingerprint, true);
  }

  private BatchingCloudCompute(BatchedChain chain, String fingerprint, boolean ownsChain) {
    this.chain = chain;
    this.ownsChain = ownsChain;
    this.info =
        new CloudModelInfo(
            fingerprint,
            chain.firstLayer(),
            chain.config().nLayers(),
            chain.config().dim(),
            chain.config().vocabSize(),
            chain.maxContext());
    if (!chain.batches()) {
      LOG.warn(
          "quantized cloud weights: decode steps run one session at a time, since batching them would change "
              + "greedy output (docs/batching.md); serve fp32 cloud weights to batch");
    }
    this.batcher = new Thread(this::loop, "cloud-batcher");
    this.batcher.setDaemon(true);
    this.batcher.start();
  }

  @Override
  public CloudModelInfo info() {
    return info;
  }

  /** Sessions in the most recent decode batch (for metrics and tests). */
  public int lastBatchSize() {
    return lastBatch;
  }

  /** The most sessions one decode batch has carried so far (for metrics and tests). */
  public int largestBatchSize() {
    return largestBatch;
  }

  @Override
  public ComputeState newState() {
    int slot = call(new Job(Kind.ACQUIRE, -1, null, 0));
    if (slot < 0) {
      throw new CapacityExceededException(
          "all " + chain.maxBatch() + " batch slots of the cloud worker are in use");
    }
    return new SlotState(slot);
  }

  @Override
  public float[] forward(ComputeState state, float[] hidden, int seqLen) {
    if (!(state instanceof SlotState s) || s.closed) {
      throw new IllegalArgumentException("state was not created by this compute, or is closed");
    }
    float[] logits =
        call(new Job(seqLen == 1 ? Kind.DECODE : Kind.PREFILL, s.slot, hidden, seqLen));
    s.position += seqLen;
    return logits;
  }

  @SuppressWarnings("unchecked")
  private <T> T call(Job job) {
    if (closed.get()) {
      throw new IllegalStateException("the batching compute is closed");
    }
    queue.add(job);
    try {
      return (T) job.result.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  private void loop() {
    List<Job> jobs = new ArrayList<>();
    while (!closed.get() || !queue.isEmpty()) {
      try {
        jobs.add(queue.take());
      } catch (InterruptedException e) {
        break;
      }
      queue.drainTo(jobs);
      List<Job> decodes = new ArrayList<>();
      for (Job job : jobs) {
        if (job.kind == Kind.DECODE) {
          decodes.add(job);
        } else {
          run(job);
        }
      }
      if (!decodes.isEmpty()) {
        decode(decodes);
      }
      jobs.clear();
    }
    queue.drainTo(jobs);
    jobs.forEach(
        j ->
            j.result.completeExceptionally(
                new IllegalStateException("the cloud worker is shutting down")));
  }

  private void run(Job job) {
    try {
      switch (job.kind) {
        case ACQUIRE -> job.result.complete(chain.acquire());
        case RELEASE -> {
          chain.release(job.slot);
          job.result.complete(null);
        }
        case PREFILL -> job.result.complete(chain.forward(job.slot, job.hidden, job.seqLen));
        default -> throw new IllegalStateException("not a single job: " + job.kind);
      }
    } catch (RuntimeException e) {
      job.result.completeExceptionally(e);
    }
  }

  private void decode(List<Job> decodes) {
    if (!chain.batches()) {
      decodes.forEach(this::decodeAlone);
      lastBatch = 1;
      largestBatch = Math.max(largestBatch, 1);
      return;
    }
    int[] slots = new int[decodes.size()];
    float[][] hidden = new float[decodes.size()][];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = decodes.get(i).slot;
      hidden[i] = decodes.get(i).hidden;
    }
    try {
      float[][] logits = chain.decode(slots, hidden);
      lastBatch = slots.length;
      largestBatch = Math.max(largestBatch, slots.length);
      for (int i = 0; i < slots.length; i++) {
        decodes.get(i).result.complete(logits[i]);
      }
    } catch (RuntimeException e) {
      // One bad step must not fail the others: retry each alone so only the culprit sees the error.
      if (decodes.size() == 1) {
        decodes.get(0).result.completeExceptionally(e);
        return;
      }
      decodes.forEach(this::decodeAlone);
    }
  }

  private void decodeAlone(Job job) {
    try {
      job.result.complete(chain.decode(new int[] {job.slot}, new float[][] {job.hidden})[0]);
    } catch (RuntimeException e) {
      job.result.completeExceptionally(e);
    }
  }

  /** Stops the batcher; queued steps fail. Closes the chain when this compute owns it. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      batcher.interrupt();
      try {
        batcher.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (ownsChain) {
        chain.close();
      }
    }
  }

  private enum Kind {
    ACQUIRE,
    RELEASE,
    PREFILL,
    DECODE
  }

  private record Job(
      Kind kind, int slot, float[] hidden, int seqLen, CompletableFuture<Object> result) {
    Job(Kind kind, int slot, float[] hidden, int seqLen) {
      this(kind, slot, hidden, seqLen, new CompletableFuture<>());
    }
  }

  private final class SlotState implements ComputeState {
    private final int slot;
    private volatile int position;
    private volatile boolean closed;

    SlotState(int slot) {
      this.slot = slot;
    }

    @Override
    public int position() {
      return position;
    }

    @Override
    public long kvBytes() {
      return chain.slotBytes();
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        if (!BatchingCloudCompute.this.closed.get()) {
          queue.add(new Job(Kind.RELEASE, slot, null, 0));
        }
      }
    }
  }
}
