package dev.edgesplit.edge.rpc;

import dev.edgesplit.edge.error.CapacityExceededException;
import dev.edgesplit.edge.error.DrainingException;
import dev.edgesplit.edge.error.InvalidRequestException;
import dev.edgesplit.edge.error.StatusMapper;
import dev.edgesplit.edge.generate.Generation;
import dev.edgesplit.edge.generate.GenerationJob;
import dev.edgesplit.edge.generate.OutputGate;
import dev.edgesplit.edge.generate.RequestValidator;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.generate.ValidRequest;
import dev.edgesplit.edge.link.GenerationSettings;
import dev.edgesplit.edge.plan.Route;
import dev.edgesplit.edge.speculate.Speculation;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.v1.DraftSource;
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
import java.util.function.Supplier;

/**
 * gRPC face of the edge agent. Validates each request on the calling thread (cheap), then runs the
 * generation on the agent's bounded generation executor inside the call's {@link Context}, so cloud
 * calls inherit the client's cancellation and deadline. Thread-safe.
 */
public final class EdgeServiceImpl extends EdgeServiceGrpc.EdgeServiceImplBase {

  private final Supplier<Route> routes;
  private final Tokenizer tokenizer;
  private final GenerationSettings settings;
  private final StepHooks hooks;
  private final ExecutorService generations;
  private final RequestValidator validator;
  private final Speculation speculation;
  private final AtomicBoolean draining = new AtomicBoolean();

  /**
   * @param routes the cut, edge chain and cloud sessions a new generation uses (read once per
   *     generation)
   * @param validator checks requests (and applies the operator's prompt and generation length
   *     limits)
   * @param speculation how generations may draft several tokens per round trip
   */
  public EdgeServiceImpl(
      Supplier<Route> routes,
      Tokenizer tokenizer,
      GenerationSettings settings,
      StepHooks hooks,
      ExecutorService generations,
      RequestValidator validator,
      Speculation speculation) {
    this.speculation = speculation;
    this.routes = routes;
    this.tokenizer = tokenizer;
    this.settings = settings;
    this.hooks = hooks;
    this.generations = generations;
    this.validator = validator;
  }

  /** Refuses new generations (UNAVAILABLE) from now on. */
  public void drain() {
    draining.set(true);
  }

  @Override
  public void generate(GenerateRequest request, StreamObserver<GenerateResponse> observer) {
    long arrival = System.nanoTime();
    ServerCallStreamObserver<GenerateResponse> out =
        (ServerCallStreamObserver<GenerateResponse>) observer;
    OutputGate gate = OutputGate.install(out);
    try {
      if (draining.get()) {
        throw new DrainingException("edge agent is shutting down");
      }
      Route route = routes.get();
      ValidRequest valid = validator.validate(request, route.edge().maxContext());
      // The cloud session (handshake, failover) opens on the generation thread: a dead worker must
      // not
      // hold up the gRPC thread.
      DraftSource drafts;
      try {
        drafts = speculation.choose(request.getDraftSource());
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException(e.getMessage());
      }
      Generation generation =
          new Generation(
              new GenerationJob(
                  valid,
                  route.edge(),
                  tokenizer,
                  route.cloud(),
                  settings,
                  hooks,
                  speculation,
                  drafts),
              out,
              gate,
              arrival);
      try {
        generations.execute(Context.current().wrap(() -> runGuarded(generation, out)));
      } catch (RejectedExecutionException e) {
        throw new CapacityExceededException(
            "edge agent is running its maximum of concurrent generations");
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
