package dev.edgesplit.edge.http;

import dev.edgesplit.edge.config.EdgeConfig.AuthMode;
import dev.edgesplit.edge.security.ClientIdentity;
import dev.edgesplit.edge.security.TokenFile;
import io.javalin.http.Context;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;

/**
 * Who an HTTP client is, by the agent's auth mode: the same bearer tokens as Generate ({@code
 * Authorization: Bearer <token>}, the header OpenAI clients send their API key in), the subject of
 * a client certificate that the TLS handshake verified, or without authentication the peer's
 * address. Refusals are 401s that never echo the token. Thread-safe.
 */
final class HttpAuth {

  private static final String BEARER = "bearer ";
  private static final String CERTIFICATES = "jakarta.servlet.request.X509Certificate";

  private final AuthMode mode;
  private final TokenFile tokens;

  /**
   * @param tokens required for {@link AuthMode#TOKEN}
   */
  HttpAuth(AuthMode mode, TokenFile tokens) {
    this.mode = Objects.requireNonNull(mode, "mode");
    if (mode == AuthMode.TOKEN) {
      Objects.requireNonNull(tokens, "tokens");
    }
    this.tokens = tokens;
  }

  /**
   * @throws ApiError.Failure 401 when the client is not authenticated
   */
  ClientIdentity identify(Context ctx) {
    switch (mode) {
      case TOKEN:
        return byToken(ctx.header("Authorization"));
      case CLIENT_CERT:
        return byCertificate(ctx.req().getAttribute(CERTIFICATES));
      default:
        return new ClientIdentity(ctx.req().getRemoteAddr(), false);
    }
  }

  private ClientIdentity byToken(String header) {
    if (header == null) {
      throw unauthorized("You didn't provide an API key: send 'Authorization: Bearer <token>'");
    }
    if (header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw unauthorized("The Authorization header is not a Bearer token");
    }
    Optional<String> principal = tokens.principalOf(header.substring(BEARER.length()).strip());
    return principal
        .map(p -> new ClientIdentity(p, true))
        .orElseThrow(() -> unauthorized("Incorrect API key provided"));
  }

  private static ClientIdentity byCertificate(Object attribute) {
    if (attribute instanceof X509Certificate[] && ((X509Certificate[]) attribute).length > 0) {
      return new ClientIdentity(
          ((X509Certificate[]) attribute)[0].getSubjectX500Principal().getName(), true);
    }
    throw unauthorized("a client certificate signed by the edge's client CA is required");
  }

  private static ApiError.Failure unauthorized(String message) {
    return new ApiError(401, message, "authentication_error", null, "invalid_api_key").failure();
  }
}
