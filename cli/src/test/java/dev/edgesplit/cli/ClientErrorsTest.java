package dev.edgesplit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What the client commands say when the user's input or the network is wrong, and the log's time
 * format.
 */
class ClientErrorsTest {

  record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void hostPort_parsesHttpTargetsAndIpv6_andRefusesOtherSchemesClearly() {
    assertThat(HostPort.parse("http://127.0.0.1:50051"))
        .isEqualTo(new HostPort("127.0.0.1", 50051));
    assertThat(HostPort.parse("http://edge.local:50051/"))
        .isEqualTo(new HostPort("edge.local", 50051));
    assertThat(HostPort.parse("[::1]:50051")).isEqualTo(new HostPort("::1", 50051));
    assertThat(HostPort.parse("[::1]:50051").toString()).isEqualTo("[::1]:50051");
    assertThatThrownBy(() -> HostPort.parse("https://edge.local:50051"))
        .hasMessageContaining("--tls");
    assertThatThrownBy(() -> HostPort.parse("http://edge.local:50051/v1/generate"))
        .hasMessageContaining("path");
    assertThatThrownBy(() -> HostPort.parse("edge.local"))
        .hasMessageContaining("expected HOST:PORT");
    assertThatThrownBy(() -> HostPort.parse("edge.local:http"))
        .hasMessageContaining("not a number");
    assertThatThrownBy(() -> HostPort.parse("edge.local:70000")).hasMessageContaining("[0, 65535]");
  }

  @Test
  void generate_refusesNegativeMaxTokens_insteadOfSendingAHugeUnsignedNumber() throws IOException {
    Run r = run("generate", "--target", "127.0.0.1:" + deadPort(), "--max-tokens", "-1");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .contains("--max-tokens must be >= 0")
        .doesNotContain("4294967295")
        .doesNotContain("UNAVAILABLE");
  }

  @Test
  void generate_unreachableTarget_namesItsAddress_alsoGivenAsHttpUrl() throws IOException {
    int port = deadPort();
    for (String target : new String[] {"127.0.0.1:" + port, "http://127.0.0.1:" + port}) {
      Run r = run("generate", "--target", target, "--max-tokens", "4");
      assertThat(r.exit()).isEqualTo(2);
      assertThat(r.err())
          .contains("UNAVAILABLE: cannot reach 127.0.0.1:" + port)
          .contains("Connection refused");
    }
  }

  @Test
  void health_unreachableTarget_namesItsAddress() throws IOException {
    int port = deadPort();
    // A deadline far above a refused connect, so that a loaded machine still sees the refusal.
    Run r = run("health", "--target", "127.0.0.1:" + port, "--timeout-ms", "30000");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .contains("health check of 127.0.0.1:" + port + " failed")
        .contains("cannot reach 127.0.0.1:" + port);
  }

  @Test
  void shippedLogConfiguration_writesIso8601TimestampsWithTheDate() throws Exception {
    LoggerContext context = new LoggerContext();
    JoranConfigurator joran = new JoranConfigurator();
    joran.setContext(context);
    joran.doConfigure(Path.of("src/dist/conf/logback.xml").toFile());
    ConsoleAppender<?> appender =
        (ConsoleAppender<?>) context.getLogger("ROOT").getAppender("STDERR");
    @SuppressWarnings("unchecked")
    LayoutWrappingEncoder<ch.qos.logback.classic.spi.ILoggingEvent> encoder =
        (LayoutWrappingEncoder<ch.qos.logback.classic.spi.ILoggingEvent>) appender.getEncoder();
    LoggingEvent event =
        new LoggingEvent(
            "test",
            context.getLogger("dev.edgesplit.test"),
            ch.qos.logback.classic.Level.INFO,
            "hello",
            null,
            null);
    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
    assertThat(line)
        .matches(
            "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) INFO .*hello\\R");
    context.stop();
  }

  private static int deadPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
