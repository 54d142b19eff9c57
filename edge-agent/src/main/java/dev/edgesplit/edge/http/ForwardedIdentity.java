package dev.edgesplit.edge.http;

import dev.edgesplit.edge.security.ClientIdentity;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;

/**
 * Carries the identity the HTTP API authenticated into the agent's in-process Generate server,
 * whose admission interceptor then keeps per-client rate and concurrency limits for HTTP clients
 * exactly as for gRPC ones. Install it only on the in-process server: nothing outside the process
 * can reach that, so the header is trusted there. Thread-safe.
 */
public final class ForwardedIdentity implements ServerInterceptor {

  static final Metadata.Key<byte[]> KEY =
      Metadata.Key.of("edgesplit-http-client-bin", Metadata.BINARY_BYTE_MARSHALLER);

  static Metadata headers(ClientIdentity who) {
    Metadata headers = new Metadata();
    headers.put(
        KEY, ((who.authenticated() ? "1" : "0") + who.name()).getBytes(StandardCharsets.UTF_8));
    return headers;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    byte[] value = headers.get(KEY);
    if (value == null || value.length < 1) {
      call.close(
          Status.UNAUTHENTICATED.withDescription("no forwarded HTTP client identity"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    String text = new String(value, StandardCharsets.UTF_8);
    ClientIdentity who = new ClientIdentity(text.substring(1), text.charAt(0) == '1');
    return Contexts.interceptCall(
        Context.current().withValue(ClientIdentity.KEY, who), call, headers, next);
  }
}
