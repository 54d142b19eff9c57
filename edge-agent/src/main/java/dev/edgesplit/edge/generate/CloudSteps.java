package dev.edgesplit.edge.generate;

import dev.edgesplit.edge.error.CloudLinkException;
import dev.edgesplit.edge.link.ReplyCheck;
import dev.edgesplit.edge.link.ResilientSession;
import dev.edgesplit.edge.link.SentHiddenLog;
import dev.edgesplit.engine.segment.ChainState;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.proto.tensor.HiddenCodec;
import dev.edgesplit.proto.v1.FramePhase;
import dev.edgesplit.proto.v1.HiddenTensor;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import io.grpc.Context;
import io.grpc.Status;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * One generation's steps through the edge layers and the worker: the chunked prefill and the
 * one-token decode step, and the pieces a speculative window is made of (timed edge work, frames,
 * the sent log). Keeps the sent log equal to what the worker's KV cache holds. Used by the
 * generation's thread only.
 */
final class CloudSteps {

  private final String sessionId;
  private final SegmentChain edge;
  private final ChainState state;
  private final ResilientSession call;
  private final SentHiddenLog sent;
  private final GenerationJob job;
  private final GenerationTally tally;

  /** The board's tail of a U-shaped split; null for the plain split. */
  private final EdgeTail tail;

  CloudSteps(
      String sessionId,
      GenerationJob job,
      ChainState state,
      ResilientSession call,
      SentHiddenLog sent,
      EdgeTail tail,
      GenerationTally tally) {
    this.sessionId = sessionId;
    this.job = job;
    this.edge = job.edge();
    this.state = state;
    this.call = call;
    this.sent = sent;
    this.tail = tail;
    this.tally = tally;
  }

  ResilientSession call() {
    return call;
  }

  ChainState state() {
    return state;
  }

  SentHiddenLog sent() {
    return sent;
  }

  /** The board's tail of a U-shaped split; null for the plain split. */
  EdgeTail tail() {
    return tail;
  }

  /** Positions the worker and the edge may still hold. */
  int contextLeft() {
    return Math.min(call.worker().getMaxContext(), edge.maxContext()) - sent.positions();
  }

  /**
   * Runs the prompt through the edge layers in chunks of {@code prefillChunk} positions and sends
   * each chunk as soon as it is computed, so that the worker computes chunk i while the board
   * computes chunk i + 1. Only the last frame samples: its reply holds the first token.
   */
  StepTokens prefill(int[] prompt, Context context) {
    int chunk =
        Math.max(1, Math.min(job.settings().prefillChunk(), call.worker().getMaxFramePositions()));
    List<HiddenTensor> inFlight = new ArrayList<>();
    int position = sent.positions();
    for (int row = 0; row < prompt.length; row += chunk) {
      Generation.checkAlive(context);
      int rows = Math.min(chunk, prompt.length - row);
      int[] tokens = Arrays.copyOfRange(prompt, row, row + rows);
      float[] hidden = timedEdge(() -> edge.forwardTokens(state, tokens));
      HiddenTensor tensor = encode(FloatBuffer.wrap(hidden), rows);
      call.send(
          frame(tensor, position, FramePhase.FRAME_PHASE_PREFILL, row + rows == prompt.length));
      position += rows;
      inFlight.add(tensor);
    }
    // The step's round trip counts only the time spent waiting for replies, not the chunks computed
    // meanwhile.
    SessionReply reply = null;
    for (int i = 0; i < inFlight.size(); i++) {
      long waitStart = System.nanoTime();
      reply = received(call.awaitReply(), inFlight.get(i), i == inFlight.size() - 1, waitStart);
    }
    return tokensOf(reply);
  }

  /** One token per round trip: the token through the edge layers, its h_cut to the worker. */
  StepTokens decode(int token) {
    HiddenTensor tensor = encode(timedEdge(() -> edge.decodeToken(state, token)), 1);
    long t0 = System.nanoTime();
    SessionReply reply =
        received(
            call.exchange(frame(tensor, sent.positions(), FramePhase.FRAME_PHASE_DECODE, true)),
            tensor,
            true,
            t0);
    return tokensOf(reply);
  }

  /** Runs {@code step} as edge compute of the open step, slowed down as the hooks say. */
  <T> T timedEdge(Supplier<T> step) {
    long t0 = System.nanoTime();
    T result = step.get();
    long took = System.nanoTime() - t0;
    tally.edge(took + job.hooks().slowdown().after(took));
    return result;
  }

  /**
   * {@code tokens} through the edge layers one position at a time, rows {@code [n, dim]}. Decode
   * steps, not one prefill-shaped run: a run over several positions rounds differently (other
   * kernels, other summation order), and on near-ties (measured on synthetic SmolLM2-135M int4)
   * that flips greedy tokens; decode steps give the worker exactly the h_cut one token per round
   * trip would, so greedy text stays identical.
   */
  float[] decodeRows(int[] tokens) {
    int dim = edge.config().dim();
    float[] rows = new float[tokens.length * dim];
    for (int i = 0; i < tokens.length; i++) {
      edge.decodeToken(state, tokens[i]).get(rows, i * dim, dim);
    }
    return rows;
  }

  /** {@code rows} positions of hidden states in the wire's element type. */
  HiddenTensor encode(FloatBuffer hidden, int rows) {
    return HiddenCodec.encode(hidden, rows, edge.config().dim(), job.settings().hiddenDtype());
  }

  SessionFrame frame(HiddenTensor tensor, int startPosition, FramePhase phase, boolean last) {
    SessionFrame.Builder frame =
        SessionFrame.newBuilder()
            .setSessionId(sessionId)
            .setCut(job.cloud().cut())
            .setStartPosition(startPosition)
            .setHidden(tensor)
            .setPhase(phase)
            .setLast(last);
    // A U-shaped session keeps its sampling (and its seed) on the board: the worker gets hidden
    // states only.
    SamplingParams sampling = job.request().sampling();
    return tail == null
        ? frame.setSampling(sampling).build()
        : frame.setReturnCut(tail.returnCut()).build();
  }

  /**
   * Accounts the reply to {@code tensor}'s frame (waited for since {@code waitStart}), logs the
   * tensor as sent, checks that the reply answers it and, in a U-shaped split, runs the returned
   * hidden states through the board's tail.
   */
  private SessionReply received(
      SessionReply reply, HiddenTensor tensor, boolean last, long waitStart) {
    tally.exchanged(reply, System.nanoTime() - waitStart, tensor.getData().size());
    sent.add(tensor);
    boolean uShaped = tail != null;
    ReplyCheck.requireAnswer("session step", reply, sent.positions(), last && !uShaped, uShaped);
    if (uShaped) {
      int rows = tensor.getShape(0);
      timedEdge(
          () -> {
            tail.accept(reply.getHidden(), rows, last);
            return null;
          });
    }
    return reply;
  }

  /** The token a prefill's or decode step's reply yields: the worker's, or the tail's. */
  private StepTokens tokensOf(SessionReply reply) {
    if (tail != null) {
      return StepTokens.one(tail.token(), tail.hasLogprob() ? tail.logprob() : null);
    }
    return StepTokens.one(
        tokenOf(reply.getTokenId()), reply.hasLogprob() ? reply.getLogprob() : null);
  }

  /** A token id from the worker, checked against the vocabulary. */
  int tokenOf(int id) {
    long token = Integer.toUnsignedLong(id);
    int vocab = job.tokenizer().vocabSize();
    if (token >= vocab) {
      throw new CloudLinkException(
          "session step",
          Status.INTERNAL.withDescription(
              "sampled token " + token + " outside the vocabulary of " + vocab));
    }
    return (int) token;
  }
}
