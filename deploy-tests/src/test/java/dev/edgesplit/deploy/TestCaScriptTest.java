package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/tls/make-test-ca.sh makes a CA, a server and a client certificate, and an unrelated CA +
 * client.
 */
class TestCaScriptTest {
  @TempDir static Path out;

  @BeforeAll
  static void make() {
    Cmd.Result r =
        Cmd.of(Repo.file("deploy/tls/make-test-ca.sh").toString(), out.toString())
            .env("EXTRA_SANS", "DNS:cloud-worker")
            .run();
    assertThat(r.exitCode()).as(r.describe()).isZero();
  }

  static X509Certificate cert(String name) throws Exception {
    try (InputStream in = Files.newInputStream(out.resolve(name + ".crt"))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  @Test
  void serverAndClient_areSignedByTheCa_withTheRightUsage() throws Exception {
    X509Certificate ca = cert("ca");
    X509Certificate server = cert("server");
    X509Certificate client = cert("client");
    ca.verify(ca.getPublicKey());
    server.verify(ca.getPublicKey());
    client.verify(ca.getPublicKey());
    assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(server.getBasicConstraints()).isEqualTo(-1);
    assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(client.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    List<String> sans =
        server.getSubjectAlternativeNames().stream().map(l -> String.valueOf(l.get(1))).toList();
    assertThat(sans).containsExactlyInAnyOrder("localhost", "127.0.0.1", "cloud-worker");
    server.checkValidity();
  }

  @Test
  void otherClient_isNotSignedByTheCa() throws Exception {
    X509Certificate ca = cert("ca");
    X509Certificate other = cert("other-client");
    other.verify(cert("other-ca").getPublicKey());
    assertThatThrownBy(() -> other.verify(ca.getPublicKey()))
        .isInstanceOf(SignatureException.class);
  }

  @Test
  void keys_arePkcs8_andMatchTheirCertificates() throws Exception {
    for (String name : List.of("server", "client", "other-client")) {
      String pem = Files.readString(out.resolve(name + ".key"));
      assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----");
      byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
      PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(key);
      s.update(new byte[] {1, 2, 3});
      byte[] sig = s.sign();
      s.initVerify(cert(name).getPublicKey());
      s.update(new byte[] {1, 2, 3});
      assertThat(s.verify(sig)).as("%s.key matches %s.crt", name, name).isTrue();
    }
  }
}
