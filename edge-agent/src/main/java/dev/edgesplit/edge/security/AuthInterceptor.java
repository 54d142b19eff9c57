package dev.edgesplit.edge.security;

import dev.edgesplit.edge.config.EdgeConfig.AuthMode;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Establishes the caller's {@link ClientIdentity} and refuses unauthenticated calls with
 * UNAUTHENTICATED before the service sees them. Bearer tokens come from {@code authorization:
 * Bearer <token>} metadata; client certificates were already verified against the client CA by the
 * TLS handshake, so only the subject is read here. Refusals are logged with the peer and reason
 * only: a presented token never appears in a log line or a status description. Thread-safe.
 */
public final class AuthInterceptor implements ServerInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger(AuthInterceptor.class);

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "bearer ";

  private final AuthMode mode;
  private final TokenFile tokens;

  /**
   * @param tokens required for {@link AuthMode#TOKEN}, else ignored
   */
  public AuthInterceptor(AuthMode mode, TokenFile tokens) {
    this.mode = Objects.requireNonNull(mode, "mode");
    if (mode == AuthMode.TOKEN) {
      Objects.requireNonNull(tokens, "tokens");
    }
    this.tokens = tokens;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    ClientIdentity identity;
    switch (mode) {
      case TOKEN:
        identity = byToken(headers.get(AUTHORIZATION));
        break;
      case CLIENT_CERT:
        identity = byCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        break;
      default:
        identity =
            new ClientIdentity(
                peerHost(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)), false);
    }
    if (identity == null) {
      return refuse(
          call,
          Status.UNAUTHENTICATED.withDescription(
              mode == AuthMode.TOKEN
                  ? refusalForToken(headers.get(AUTHORIZATION))
                  : "a client certificate signed by the edge's client CA is " + "required"));
    }
    Context context = Context.current().withValue(ClientIdentity.KEY, identity);
    return Contexts.interceptCall(context, call, headers, next);
  }

  private ClientIdentity byToken(String header) {
    Optional<String> token = bearerToken(header);
    return token.flatMap(tokens::principalOf).map(p -> new ClientIdentity(p, true)).orElse(null);
  }

  private static Optional<String> bearerToken(String header) {
    if (header == null
        || header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Optional.empty();
    }
    return Optional.of(header.substring(BEARER.length()).strip());
  }

  private static String refusalForToken(String header) {
    if (header == null) {
      return "missing 'authorization: Bearer <token>' metadata";
    }
    if (bearerToken(header).isEmpty()) {
      return "the authorization metadata is not a Bearer token";
    }
    return "invalid bearer token";
  }

  private static ClientIdentity byCertificate(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate)) {
        return null;
      }
      return new ClientIdentity(
          ((X509Certificate) chain[0]).getSubjectX500Principal().getName(), true);
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  static String peerHost(SocketAddress address) {
    if (address instanceof InetSocketAddress) {
      InetSocketAddress inet = (InetSocketAddress) address;
      // The host alone: a client opens connections from many ports and must not get a bucket per
      // port.
      return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
    }
    return String.valueOf(address);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    LOG.warn(
        "refused {} from {}: {}",
        call.getMethodDescriptor().getFullMethodName(),
        peerHost(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)),
        status.getDescription());
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
