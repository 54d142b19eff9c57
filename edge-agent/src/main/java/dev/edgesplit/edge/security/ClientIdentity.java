package dev.edgesplit.edge.security;

import io.grpc.Context;
import java.util.Objects;

/**
 * Who is calling: the authenticated principal (token name or certificate subject) or, without
 * authentication, the peer's IP address. Rate and concurrency limits are kept per identity.
 *
 * @param name principal or address; never a secret
 * @param authenticated true when {@code name} comes from a verified token or certificate
 */
public record ClientIdentity(String name, boolean authenticated) {

  /** Set by {@link AuthInterceptor} for the rest of the call. */
  public static final Context.Key<ClientIdentity> KEY = Context.key("edgesplit-client-identity");

  public ClientIdentity {
    Objects.requireNonNull(name, "name");
  }

  /** The identity of the current call, or null outside an intercepted call. */
  public static ClientIdentity current() {
    return KEY.get();
  }

  @Override
  public String toString() {
    return (authenticated ? "principal " : "peer ") + name;
  }
}
