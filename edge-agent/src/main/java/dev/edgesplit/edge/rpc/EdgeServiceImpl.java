package dev.edgesplit.edge.rpc;

import dev.edgesplit.edge.energy.StepEnergy;
import dev.edgesplit.edge.error.CapacityExceededException;
import dev.edgesplit.edge.error.DrainingException;
import dev.edgesplit.edge.error.StatusMapper;
import dev.edgesplit.edge.generate.CloudSessions;
import dev.edgesplit.edge.generate.Generation;
import dev.edgesplit.edge.generate.GenerationSettings;
import dev.edgesplit.edge.generate.OutputGate;
import dev.edgesplit.edge.generate.RequestValidator;
import dev.edgesplit.edge.generate.ValidRequest;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * gRPC face of the edge agent. Validates each request on the calling thread (cheap), then runs the
 * generation on the agent's bounded generation executor inside the call's {@link Context}, so cloud calls
 * inherit the client's cancellation and deadline. Thread-safe.
 */
public final class EdgeServiceImpl extends EdgeServiceGrpc.EdgeServiceImplBase {

  private final SegmentChain edge;
  private final Tokenizer tokenizer;
  private final CloudSessions cloud;
  private final GenerationSettings settings;
  private final StepEnergy energy;
  private final ExecutorService generations;
  private final RequestValidator validator;
  private final AtomicBoolean draining = new AtomicBoolean();

  public EdgeServiceImpl(SegmentChain edge, Tokenizer tokenizer, CloudSessions cloud, GenerationSettings settings,
      StepEnergy energy, ExecutorService generations) {
    this.edge = edge;
    this.tokenizer = tokenizer;
    this.cloud = cloud;
    this.settings = settings;
    this.energy = energy;
    this.generations = generations;
    this.validator = new RequestValidator(tokenizer);
  }

  /** Refuses new generations (UNAVAILABLE) from now on. */
  public void drain() {
    draining.set(true);
  }

  @Override
  public void generate(GenerateRequest request, StreamObserver<GenerateResponse> observer) {
    long arrival = System.nanoTime();
    ServerCallStreamObserver<GenerateResponse> out = (ServerCallStreamObserver<GenerateResponse>) observer;
    OutputGate gate = OutputGate.install(out);
    try {
      if (draining.get()) {
        throw new DrainingException("edge agent is shutting down");
      }
      ValidRequest valid = validator.validate(request, edge.maxContext());
      // The cloud session (handshake, failover) opens on the generation thread: a dead worker must not
      // hold up the gRPC thread.
      Generation generation = new Generation(valid, edge, tokenizer, cloud, settings, energy, out, gate, arrival);
      try {
        generations.execute(Context.current().wrap(() -> runGuarded(generation, out)));
      } catch (RejectedExecutionException e) {
        throw new CapacityExceededException("edge agent is running its maximum of concurrent generations");
      }
    } catch (RuntimeException e) {
      fail(out, e);
    }
  }

  private void runGuarded(Generation generation, ServerCallStreamObserver<GenerateResponse> out) {
    try {
      generation.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(out, Status.CANCELLED.withDescription("edge agent interrupted").asRuntimeException());
    } catch (RuntimeException e) {
      fail(out, e);
    }
  }

  private void fail(ServerCallStreamObserver<GenerateResponse> out, RuntimeException e) {
    Status status = StatusMapper.toStatus(e);
    if (!out.isCancelled()) {
      out.onError(status.asRuntimeException());
    }
  }
}
