package dev.edgesplit.edge.http;

import dev.edgesplit.edge.security.ClientIdentity;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.TokenEvent;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.util.Iterator;

/**
 * Runs a Generate call for an HTTP request on the agent's in-process channel: the same service,
 * executor, request checks, per-client limits, metrics and cloud path as gRPC clients get. Events
 * are handed to a sink on the calling thread; when the sink cannot write (the HTTP client went
 * away) the call is cancelled, which stops the generation before its next step. Thread-safe.
 */
final class GenerateBridge {

  /** Receives a generation's events in order. */
  interface Sink {
    void token(TokenEvent token) throws IOException;

    void summary(GenerationSummary summary) throws IOException;
  }

  /** The HTTP client is gone; the generation was cancelled. */
  static final class ClientGone extends Exception {
    ClientGone(IOException cause) {
      super("HTTP client went away", cause);
    }
  }

  private final Channel channel;

  /**
   * @param channel the agent's in-process channel to its own Generate service (with {@link
   *     ForwardedIdentity})
   */
  GenerateBridge(Channel channel) {
    this.channel = channel;
  }

  /**
   * Runs {@code request} for {@code who} to the end.
   *
   * @throws io.grpc.StatusRuntimeException the generation failed (map it with {@link ErrorMapping})
   * @throws ClientGone the sink failed to write: the generation was cancelled
   */
  void run(GenerateRequest request, ClientIdentity who, Sink sink) throws ClientGone {
    Channel call =
        ClientInterceptors.intercept(
            channel, MetadataUtils.newAttachHeadersInterceptor(ForwardedIdentity.headers(who)));
    Context.CancellableContext scope = Context.current().withCancellation();
    Context previous = scope.attach();
    try {
      Iterator<GenerateResponse> events =
          ClientCalls.blockingServerStreamingCall(
              call, EdgeServiceGrpc.getGenerateMethod(), CallOptions.DEFAULT, request);
      while (events.hasNext()) {
        GenerateResponse event = events.next();
        if (event.hasToken()) {
          sink.token(event.getToken());
        } else if (event.hasSummary()) {
          sink.summary(event.getSummary());
        }
      }
    } catch (IOException e) {
      scope.cancel(e);
      throw new ClientGone(e);
    } finally {
      scope.detach(previous);
      scope.cancel(null);
    }
  }
}
