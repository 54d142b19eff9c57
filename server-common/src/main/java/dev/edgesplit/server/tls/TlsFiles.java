package dev.edgesplit.server.tls;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Objects;

/**
 * Builds gRPC TLS credentials from PEM files (certificate chains as X.509 PEM, private keys as
 * PKCS#8 PEM), the layout {@code deploy/tls/make-test-ca.sh} and cert-manager write. Every file is
 * read and checked here, so a wrong path or a swapped file fails at start with the configuration
 * key and path in the message. Messages name files, never their contents: nothing of a private key
 * reaches a log or an exception. Stateless.
 */
public final class TlsFiles {

  private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String ENCRYPTED_KEY_BEGIN = "-----BEGIN ENCRYPTED PRIVATE KEY-----";

  private TlsFiles() {}

  /** A PEM file and the configuration key it came from (for messages). */
  public record Pem(String key, Path path) {
    public Pem {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(path, key);
    }
  }

  /**
   * Server credentials presenting {@code cert} with {@code privateKey}.
   *
   * @param clientCa CA certificates that sign accepted client certificates; null = no client
   *     certificate
   * @param requireClient with a client CA: refuse a handshake without a valid client certificate
   *     (mutual TLS); false = ask for one and verify it if sent (then the application decides)
   * @throws TlsConfigException a file is missing, unreadable, or not what its key says
   */
  public static ServerCredentials server(
      Pem cert, Pem privateKey, Pem clientCa, boolean requireClient) {
    byte[] chain = certificates(cert);
    byte[] keyBytes = privateKey(privateKey);
    byte[] trusted = clientCa == null ? null : certificates(clientCa);
    return build(
        () -> {
          TlsServerCredentials.Builder b =
              TlsServerCredentials.newBuilder()
                  .keyManager(new ByteArrayInputStream(chain), new ByteArrayInputStream(keyBytes));
          if (trusted != null) {
            b.trustManager(new ByteArrayInputStream(trusted));
            b.clientAuth(
                requireClient
                    ? TlsServerCredentials.ClientAuth.REQUIRE
                    : TlsServerCredentials.ClientAuth.OPTIONAL);
          }
          return b.build();
        },
        cert,
        privateKey);
  }

  /**
   * Channel credentials trusting {@code ca} (null = the JDK's default trust store) and, when {@code
   * cert} and {@code privateKey} are given, presenting that client certificate (mutual TLS).
   *
   * @throws TlsConfigException a file is missing, unreadable, or not what its key says
   */
  public static ChannelCredentials channel(Pem ca, Pem cert, Pem privateKey) {
    if ((cert == null) != (privateKey == null)) {
      throw new TlsConfigException(
          "a client certificate needs both its certificate and its private key");
    }
    byte[] trusted = ca == null ? null : certificates(ca);
    byte[] chain = cert == null ? null : certificates(cert);
    byte[] keyBytes = cert == null ? null : privateKey(privateKey);
    return build(
        () -> {
          TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
          if (trusted != null) {
            b.trustManager(new ByteArrayInputStream(trusted));
          }
          if (chain != null) {
            b.keyManager(new ByteArrayInputStream(chain), new ByteArrayInputStream(keyBytes));
          }
          return b.build();
        },
        cert,
        privateKey);
  }

  /** Reads {@code pem} and checks it holds at least one X.509 certificate. */
  static byte[] certificates(Pem pem) {
    byte[] bytes = read(pem);
    try {
      Collection<?> certs =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(bytes));
      if (certs.isEmpty()) {
        throw new TlsConfigException(
            pem.key() + " " + pem.path() + ": no PEM certificate in the file");
      }
    } catch (CertificateException e) {
      throw new TlsConfigException(
          pem.key() + " " + pem.path() + ": not a PEM X.509 certificate file");
    }
    return bytes;
  }

  /** Reads {@code pem} and checks it is an unencrypted PKCS#8 PEM private key. */
  static byte[] privateKey(Pem pem) {
    byte[] bytes = read(pem);
    String text = new String(bytes, StandardCharsets.US_ASCII);
    if (text.contains(ENCRYPTED_KEY_BEGIN)) {
      throw new TlsConfigException(
          pem.key() + " " + pem.path() + ": encrypted private keys are not supported");
    }
    if (!text.contains(KEY_BEGIN)) {
      // Deliberately no excerpt of the file: it may be key material in another encoding.
      throw new TlsConfigException(
          pem.key()
              + " "
              + pem.path()
              + ": not a PKCS#8 PEM private key (expected a '"
              + KEY_BEGIN
              + "' block; convert with `openssl pkcs8 -topk8 -nocrypt`)");
    }
    return bytes;
  }

  private static byte[] read(Pem pem) {
    if (!Files.isRegularFile(pem.path())) {
      throw new TlsConfigException(pem.key() + " " + pem.path() + ": no such file");
    }
    try {
      return Files.readAllBytes(pem.path());
    } catch (IOException e) {
      throw new TlsConfigException(
          pem.key() + " " + pem.path() + ": cannot read (" + e.getClass().getSimpleName() + ")");
    }
  }

  private interface Build<T> {
    T get() throws IOException;
  }

  private static <T> T build(Build<T> build, Pem cert, Pem key) {
    try {
      return build.get();
    } catch (IOException | IllegalArgumentException | IllegalStateException e) {
      throw new TlsConfigException(
          "TLS material rejected ("
              + (cert == null ? "trust only" : cert.path() + ", " + key.path())
              + "): "
              + e.getClass().getSimpleName());
    }
  }
}
