package dev.edgesplit.edge.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * TLS of the HTTP listener from the same PEM files as the Generate listener ({@code
 * server_tls.cert}, {@code server_tls.key}, {@code server_tls.client_ca}): client certificates are
 * asked for when a client CA is set and required with {@code auth.mode=client_cert}; the verified
 * chain reaches the handlers as the servlet's X509Certificate attribute. Immutable.
 */
public final class HttpTls {

  static final char[] PASSWORD = "edgesplit".toCharArray();

  private final KeyStore keys;
  private final KeyStore clientCas;
  private final boolean requireClient;

  private HttpTls(KeyStore keys, KeyStore clientCas, boolean requireClient) {
    this.keys = keys;
    this.clientCas = clientCas;
    this.requireClient = requireClient;
  }

  /**
   * @param cert server certificate chain (PEM)
   * @param key its PKCS#8 PEM private key (RSA or EC)
   * @param clientCa CA certificates (PEM) of client certificates, or null
   * @param requireClient refuse the handshake without a client certificate
   */
  public static HttpTls fromPem(Path cert, Path key, Path clientCa, boolean requireClient) {
    try {
      return new HttpTls(
          keyStore(cert, key), clientCa == null ? null : trustStore(clientCa), requireClient);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot load the HTTP listener's TLS files: " + e.getMessage(), e);
    }
  }

  /**
   * A key store holding {@code key} with its certificate chain, under the password {@link
   * #PASSWORD}.
   */
  static KeyStore keyStore(Path cert, Path key) throws IOException, GeneralSecurityException {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry(
        "key", privateKey(key), PASSWORD, certificates(cert).toArray(new Certificate[0]));
    return keys;
  }

  /** A trust store of the CA certificates in {@code pem}. */
  static KeyStore trustStore(Path pem) throws IOException, GeneralSecurityException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    int i = 0;
    for (Certificate ca : certificates(pem)) {
      trust.setCertificateEntry("ca" + i++, ca);
    }
    return trust;
  }

  /** A TLS connector for Javalin's Jetty server. */
  ServerConnector connector(Server server, HttpConfiguration http, String host, int port) {
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(keys);
    ssl.setKeyStorePassword(new String(PASSWORD));
    if (clientCas != null) {
      ssl.setTrustStore(clientCas);
      ssl.setWantClientAuth(true);
      ssl.setNeedClientAuth(requireClient);
    }
    HttpConfiguration https = new HttpConfiguration(http);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    // Loopback tests and boards reach the agent by IP address, not by the certificate's host name.
    secure.setSniHostCheck(false);
    https.addCustomizer(secure);
    ServerConnector connector = new ServerConnector(server, ssl, new HttpConnectionFactory(https));
    connector.setHost(host);
    connector.setPort(port);
    return connector;
  }

  private static Collection<? extends Certificate> certificates(Path pem)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pem)) {
      return CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
  }

  private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
    String text = Files.readString(pem, StandardCharsets.US_ASCII);
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new GeneralSecurityException(pem + " is not a PKCS#8 PEM private key");
    }
    byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    try {
      return KeyFactory.getInstance("RSA").generatePrivate(spec);
    } catch (GeneralSecurityException notRsa) {
      return KeyFactory.getInstance("EC").generatePrivate(spec);
    }
  }
}
