package dev.edgesplit.server.rpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.edgesplit.server.logging.RateLimitedLog;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Objects;

/**
 * Answers a request message that does not parse (truncated or garbage protobuf, invalid UTF-8 in a
 * string field) with INVALID_ARGUMENT and a short reason. Left to gRPC, such a message ends the
 * call with UNKNOWN "Application error processing RPC" and a SEVERE stack trace per request, so a
 * client could flood the log; here each one costs at most a rate-limited warning.
 *
 * <p>gRPC parses a request before any interceptor sees it, so the guarded service receives raw
 * bytes ({@link ServerInterceptors#useMarshalledMessages}) and parses them inside the interceptor
 * chain, where this interceptor catches the failure. Stateless apart from the log; thread-safe.
 */
public final class MalformedRequests implements ServerInterceptor {

  private final RateLimitedLog log;
  private final Runnable onRejected;

  /**
   * @param log where a refusal is reported (rate-limited)
   * @param onRejected called once per refused call (a metric); must be quick and not throw
   */
  public MalformedRequests(RateLimitedLog log, Runnable onRejected) {
    this.log = Objects.requireNonNull(log, "log");
    this.onRejected = Objects.requireNonNull(onRejected, "onRejected");
  }

  /** {@code service} (with its own interceptors already applied) behind this guard. */
  public ServerServiceDefinition guard(ServerServiceDefinition service) {
    return ServerInterceptors.intercept(
        ServerInterceptors.useMarshalledMessages(service, RawBytes.MARSHALLER), this);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ClosingCall<Q, R> tracked = new ClosingCall<>(call);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(tracked, headers)) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        try {
          super.onMessage(message);
        } catch (StatusRuntimeException e) {
          if (!(e.getCause() instanceof InvalidProtocolBufferException)) {
            throw e;
          }
          refused = true;
          refuse(tracked, e.getCause().getMessage());
        }
      }

      @Override
      public void onHalfClose() {
        // The handler never got the message: half-closing it would make it close the call a second
        // time.
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }

  private void refuse(ClosingCall<?, ?> call, String parseError) {
    String method = call.getMethodDescriptor().getFullMethodName();
    onRejected.run();
    log.warn("refused a malformed " + method + " request from " + peer(call) + ": " + parseError);
    call.closeUnlessClosed(
        Status.INVALID_ARGUMENT.withDescription("malformed " + method + " request: " + parseError));
  }

  /** The call, remembering whether an inner interceptor (authentication, say) already closed it. */
  private static final class ClosingCall<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private boolean closed;

    ClosingCall(ServerCall<Q, R> call) {
      super(call);
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    synchronized void closeUnlessClosed(Status status) {
      close(status, new Metadata());
    }
  }

  private static String peer(ServerCall<?, ?> call) {
    Object address = call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return address == null ? "an unknown peer" : address.toString();
  }
}
