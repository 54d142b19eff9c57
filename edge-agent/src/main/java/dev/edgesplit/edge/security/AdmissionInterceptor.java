package dev.edgesplit.edge.security;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-client admission for Generate: a token-bucket rate limit and a limit on running calls, keyed
 * by the {@link ClientIdentity} that {@link AuthInterceptor} established (install it inside the
 * auth interceptor). Excess is refused with RESOURCE_EXHAUSTED and a description naming the limit,
 * before any tokenizing or model work. The concurrency permit is held until the call closes or is
 * cancelled. Thread-safe.
 */
public final class AdmissionInterceptor implements ServerInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger(AdmissionInterceptor.class);

  private final RateLimiter rate;
  private final ConcurrencyLimiter concurrency;
  private final String rateText;

  /**
   * @param rate null = no rate limit
   * @param concurrency null = no per-client concurrency limit
   * @param rateText the configured rate for refusal messages, e.g. "2.0/s, burst 4"
   */
  public AdmissionInterceptor(RateLimiter rate, ConcurrencyLimiter concurrency, String rateText) {
    this.rate = rate;
    this.concurrency = concurrency;
    this.rateText = rateText;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ClientIdentity who = ClientIdentity.current();
    if (who == null) {
      who =
          new ClientIdentity(
              AuthInterceptor.peerHost(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)),
              false);
    }
    if (rate != null && !rate.tryAcquire(who.name())) {
      return refuse(call, "rate limit exceeded for " + who + " (" + rateText + "); retry later");
    }
    if (concurrency == null) {
      return next.startCall(call, headers);
    }
    ConcurrencyLimiter.Permit permit = concurrency.tryAcquire(who.name());
    if (permit == null) {
      return refuse(
          call,
          who
              + " already runs its maximum of "
              + concurrency.maxPerClient()
              + " concurrent Generate calls");
    }
    ServerCall<Q, R> releasing =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            permit.close();
            super.close(status, trailers);
          }
        };
    ServerCall.Listener<Q> listener;
    try {
      listener = next.startCall(releasing, headers);
    } catch (RuntimeException e) {
      permit.close();
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        permit.close();
        super.onCancel();
      }

      @Override
      public void onComplete() {
        permit.close();
        super.onComplete();
      }
    };
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String description) {
    LOG.info("refused {}: {}", call.getMethodDescriptor().getFullMethodName(), description);
    call.close(Status.RESOURCE_EXHAUSTED.withDescription(description), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
