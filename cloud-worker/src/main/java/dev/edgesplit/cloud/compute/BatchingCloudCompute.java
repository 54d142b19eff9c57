package dev.edgesplit.cloud.compute;

import dev.edgesplit.cloud.error.CapacityExceededException;
import dev.edgesplit.cloud.error.IncompatiblePlanException;
import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.profile.LayerTimings;
import dev.edgesplit.engine.profile.ProfileSettings;
import dev.edgesplit.engine.profile.SegmentProfiler;
import dev.edgesplit.engine.segment.BatchedChain;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CloudCompute} that batches: every session lives in a slot of the {@link BatchedChain} of
 * its layer range, and one batcher thread makes every engine call. Whatever decode steps are
 * waiting when it finishes a run go into the next runs together (continuous batching), one run per
 * range, so N concurrent sessions of a range read its weights once per step instead of N times.
 * Prefills run one at a time between batches. Callers block in {@link #forward} until their step is
 * done: the worker's step threads must outnumber the sessions that should batch.
 *
 * <p>A compute over one chain serves that chain's range only (a single-cut build). One over a
 * per-layer build ({@link #forModel}) serves every range the edges ask for, plain {@code [k,N)} +
 * head and U-shaped {@code [k,m)} alike: each range gets its own chain of per-layer segments and
 * its own pool of slots, opened on first use; sessions of different ranges batch separately.
 *
 * <p>Each session gets bit for bit the logits (or, U-shaped, hidden states) it gets alone, whoever
 * shares its batches and wherever they are in their sequences (docs/batching.md). A chain with
 * quantized weights does not batch (its batched kernels round differently): its sessions' steps
 * then run one after another on the batcher thread.
 */
public final class BatchingCloudCompute implements CloudCompute, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BatchingCloudCompute.class);

  /**
   * Idle ranges (no session) kept open beyond the default one; an idle range past this many is
   * closed, freeing its KV pool.
   */
  static final int MAX_IDLE_RANGES = 4;

  private final CloudModelInfo info;
  private final Range defaultRange;
  private final CompiledModel model; // null: a single-chain compute
  private final RuntimeOptions runtime;
  private final int maxBatch;
  private final boolean ownsChains;
  private final Map<Range, Group> groups = new LinkedHashMap<>(); // guarded by itself
  private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
  private final Thread batcher;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong decodeSteps = new AtomicLong();
  private final AtomicLong decodeRuns = new AtomicLong();
  private volatile int lastBatch;
  private volatile int largestBatch;

  /**
   * @param chain opened with {@code CompiledModel.openCloudBatched}; the caller closes it after
   *     this
   */
  public BatchingCloudCompute(BatchedChain chain, String fingerprint) {
    this(chain, fingerprint, null, null, false);
  }

  /** A compute over one chain that closes it when it is closed. */
  public static BatchingCloudCompute owning(BatchedChain chain, String fingerprint) {
    return new BatchingCloudCompute(chain, fingerprint, null, null, true);
  }

  /**
   * A compute serving every range {@code model} has segments for (a per-layer build: all of them; a
   * single-cut build: its cut), {@code maxBatch} slots per range. It opens the range {@code
   * [defaultCut, defaultReturnCut)} now (sessions that name no range get it), the others on first
   * use, and owns every chain it opens.
   *
   * @param defaultReturnCut N for the plain split, less for a worker started for U-shaped sessions
   * @throws IllegalArgumentException when the model cannot serve that range
   */
  public static BatchingCloudCompute forModel(
      CompiledModel model,
      RuntimeOptions runtime,
      int defaultCut,
      int defaultReturnCut,
      int maxBatch) {
    BatchedChain first = model.openCloudBatched(defaultCut, defaultReturnCut, runtime, maxBatch);
    return new BatchingCloudCompute(first, model.fingerprint(), model, runtime, true);
  }

  private BatchingCloudCompute(
      BatchedChain chain,
      String fingerprint,
      CompiledModel model,
      RuntimeOptions runtime,
      boolean ownsChains) {
    this.model = model;
    this.runtime = runtime;
    this.ownsChains = ownsChains;
    this.maxBatch = chain.maxBatch();
    this.defaultRange = new Range(chain.firstLayer(), chain.endLayer());
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
    groups.put(defaultRange, new Group(defaultRange, chain));
    this.batcher = new Thread(this::loop, "cloud-batcher");
    this.batcher.setDaemon(true);
    this.batcher.start();
  }

  @Override
  public CloudModelInfo info() {
    return info;
  }

  /** Sessions in the most recent decode run (for metrics and tests). */
  public int lastBatchSize() {
    return lastBatch;
  }

  /** The most sessions one decode run has carried so far (for metrics and tests). */
  public int largestBatchSize() {
    return largestBatch;
  }

  /** Decode steps run so far, every session and range together. */
  public long decodeSteps() {
    return decodeSteps.get();
  }

  /** ONNX Runtime decode runs so far: {@link #decodeSteps()} over this is the mean batch. */
  public long decodeRuns() {
    return decodeRuns.get();
  }

  /** Ranges with an open chain (for tests). */
  int openRanges() {
    synchronized (groups) {
      return groups.size();
    }
  }

  @Override
  public boolean servesCut(int cut) {
    return servesRange(cut, info.nLayers());
  }

  @Override
  public boolean servesRange(int cut, int returnCut) {
    Range range = new Range(cut, returnCut);
    if (range.equals(defaultRange)) {
      return true;
    }
    int n = info.nLayers();
    return model != null
        && cut >= 0
        && returnCut <= n
        && (cut < returnCut || returnCut == n)
        && model.servesLayers(
            cut, returnCut, false, returnCut == n, model.manifest().cloudWeights());
  }

  /** Every slot rewinds (a U-shaped window's rejected rows), whatever its range. */
  @Override
  public boolean rewindsSessions() {
    return true;
  }

  @Override
  public ComputeState newState() {
    return newState(defaultRange);
  }

  @Override
  public ComputeState newState(int cut) {
    return newState(cut, info.nLayers());
  }

  @Override
  public ComputeState newState(int cut, int returnCut) {
    if (!servesRange(cut, returnCut)) {
      throw new IncompatiblePlanException(
          model == null
              ? "this worker serves layers ["
                  + defaultRange.cut()
                  + ", "
                  + defaultRange.end()
                  + ") only, not ["
                  + cut
                  + ", "
                  + returnCut
                  + ") (start it with a per-layer build to serve any cut or U-shaped sessions)"
              : "compiled model "
                  + model.directory()
                  + " has no segments for layers ["
                  + cut
                  + ", "
                  + returnCut
                  + ")");
    }
    return newState(new Range(cut, returnCut));
  }

  private ComputeState newState(Range range) {
    while (true) {
      Group group = group(range);
      int slot = call(new Job(Kind.ACQUIRE, group, -1, null, 0));
      if (slot == RETIRED) {
        continue; // the range closed while idle just before we asked: open it again
      }
      if (slot < 0) {
        throw new CapacityExceededException(
            "all "
                + maxBatch
                + " batch slots of the cloud worker for layers "
                + range
                + " are in use");
      }
      return new SlotState(group, slot);
    }
  }

  /**
   * The open group of {@code range}, opening its chain on the caller's thread if needed: loading a
   * range's segments takes a while, and neither the batcher nor other ranges' callers wait for it.
   */
  private Group group(Range range) {
    synchronized (groups) {
      Group g = groups.get(range);
      if (g != null) {
        return g;
      }
    }
    BatchedChain chain = model.openCloudBatched(range.cut(), range.end(), runtime, maxBatch);
    synchronized (groups) {
      Group g = groups.get(range);
      if (g == null && !closed.get()) {
        g = new Group(range, chain);
        groups.put(range, g);
        return g;
      }
      chain.close(); // another session opened it meanwhile, or the compute closed
      if (g == null) {
        throw new IllegalStateException("the batching compute is closed");
      }
      return g;
    }
  }

  @Override
  public float[] forward(ComputeState state, float[] hidden, int seqLen) {
    SlotState s = slotState(state);
    float[] out =
        call(new Job(seqLen == 1 ? Kind.DECODE : Kind.PREFILL, s.group, s.slot, hidden, seqLen));
    s.position += seqLen;
    return out;
  }

  @Override
  public LayerTimings profile(ProfileSettings settings, EnergyMeter meter) {
    if (model == null) {
      return CloudCompute.super.profile(settings, meter);
    }
    return new SegmentProfiler(model, runtime, meter, settings)
        .profile(model.manifest().cloudWeights(), false, true);
  }

  private SlotState slotState(ComputeState state) {
    if (!(state instanceof SlotState s) || s.owner() != this || s.closed) {
      throw new IllegalArgumentException("state was not created by this compute, or is closed");
    }
    return s;
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
      Map<Group, List<Job>> decodes = new LinkedHashMap<>();
      for (Job job : jobs) {
        if (job.kind == Kind.DECODE) {
          decodes.computeIfAbsent(job.group, g -> new ArrayList<>()).add(job);
        } else {
          run(job);
        }
      }
      decodes.forEach(this::decode);
      jobs.clear();
    }
    queue.drainTo(jobs);
    jobs.forEach(
        j ->
            j.result.completeExceptionally(
                new IllegalStateException("the cloud worker is shutting down")));
  }

  /** What an ACQUIRE answers when its range was closed meanwhile. */
  private static final int RETIRED = -2;

  private void run(Job job) {
    BatchedChain chain = job.group.chain;
    try {
      switch (job.kind) {
        case ACQUIRE -> job.result.complete(job.group.retired ? RETIRED : chain.acquire());
        case RELEASE -> {
          chain.release(job.slot);
          job.result.complete(null);
          retireIdle();
        }
        case PREFILL -> job.result.complete(chain.forward(job.slot, job.hidden, job.seqLen));
        case REWIND -> {
          chain.rewind(job.slot, job.seqLen);
          job.result.complete(null);
        }
        default -> throw new IllegalStateException("not a single job: " + job.kind);
      }
    } catch (RuntimeException e) {
      job.result.completeExceptionally(e);
    }
  }

  /**
   * Closes ranges without sessions (never the default one) while more than {@link #MAX_IDLE_RANGES}
   * are open. Runs on the batcher, so no run of theirs is under way; an ACQUIRE already queued for
   * one finds it retired and its caller opens the range again.
   */
  private void retireIdle() {
    synchronized (groups) {
      long idle =
          groups.values().stream()
              .filter(g -> !g.range.equals(defaultRange) && g.chain.freeSlots() == maxBatch)
              .count();
      for (Group g : List.copyOf(groups.values())) {
        if (idle <= MAX_IDLE_RANGES) {
          return;
        }
        if (!g.range.equals(defaultRange) && g.chain.freeSlots() == maxBatch) {
          groups.remove(g.range);
          g.retired = true;
          g.chain.close();
          idle--;
        }
      }
    }
  }

  private void decode(Group group, List<Job> decodes) {
    BatchedChain chain = group.chain;
    if (!chain.batches()) {
      decodes.forEach(this::decodeAlone);
      return;
    }
    int[] slots = new int[decodes.size()];
    float[][] hidden = new float[decodes.size()][];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = decodes.get(i).slot;
      hidden[i] = decodes.get(i).hidden;
    }
    try {
      float[][] out = chain.decode(slots, hidden);
      counted(slots.length);
      for (int i = 0; i < slots.length; i++) {
        decodes.get(i).result.complete(out[i]);
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
      float[] out = job.group.chain.decode(new int[] {job.slot}, new float[][] {job.hidden})[0];
      counted(1);
      job.result.complete(out);
    } catch (RuntimeException e) {
      job.result.completeExceptionally(e);
    }
  }

  private void counted(int steps) {
    decodeSteps.addAndGet(steps);
    decodeRuns.incrementAndGet();
    lastBatch = steps;
    largestBatch = Math.max(largestBatch, steps);
  }

  /** Stops the batcher; queued steps fail. Closes the chains when this compute owns them. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      batcher.interrupt();
      try {
        batcher.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (ownsChains) {
        synchronized (groups) {
          groups.values().forEach(g -> g.chain.close());
          groups.clear();
        }
      }
    }
  }

  /** Layers {@code [cut, end)} a session runs; {@code end} N is the plain split (with the head). */
  private record Range(int cut, int end) {
    @Override
    public String toString() {
      return "[" + cut + ", " + end + ")";
    }
  }

  /** One range's chain and pool of slots; touched by the batcher only, once opened. */
  private static final class Group {
    final Range range;
    final BatchedChain chain;
    volatile boolean retired;

    Group(Range range, BatchedChain chain) {
      this.range = range;
      this.chain = chain;
    }
  }

  private enum Kind {
    ACQUIRE,
    RELEASE,
    PREFILL,
    DECODE,
    REWIND
  }

  /** One engine call; {@code seqLen} is the target position of a REWIND. */
  private record Job(
      Kind kind,
      Group group,
      int slot,
      float[] hidden,
      int seqLen,
      CompletableFuture<Object> result) {
    Job(Kind kind, Group group, int slot, float[] hidden, int seqLen) {
      this(kind, group, slot, hidden, seqLen, new CompletableFuture<>());
    }
  }

  private final class SlotState implements ComputeState {
    private final Group group;
    private final int slot;
    private volatile int position;
    private volatile boolean closed;

    SlotState(Group group, int slot) {
      this.group = group;
      this.slot = slot;
    }

    BatchingCloudCompute owner() {
      return BatchingCloudCompute.this;
    }

    @Override
    public int position() {
      return position;
    }

    @Override
    public long kvBytes() {
      return group.chain.slotBytes();
    }

    @Override
    public void rewind(int target) {
      if (closed) {
        throw new IllegalStateException("the state is closed");
      }
      call(new Job(Kind.REWIND, group, slot, null, target));
      position = target;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        if (!BatchingCloudCompute.this.closed.get()) {
          queue.add(new Job(Kind.RELEASE, group, slot, null, 0));
        }
      }
    }
  }
}
