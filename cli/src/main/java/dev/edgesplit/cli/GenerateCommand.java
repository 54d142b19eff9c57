package dev.edgesplit.cli;

import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.server.tls.TlsFiles;
import dev.edgesplit.server.tls.TlsFiles.Pem;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code edgesplit generate}: a gRPC client of an edge agent's Generate. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Call Generate on an edge agent and stream the text.")
final class GenerateCommand implements Callable<Integer> {

  @Option(
      names = "--target",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:50051",
      description = "Edge agent (default: ${DEFAULT-VALUE}).")
  String target;

  @Option(
      names = "--deadline-seconds",
      paramLabel = "TIME",
      defaultValue = "300",
      converter = UnitConverters.Seconds.class,
      description =
          "Deadline of the whole call: 2s, 500ms, 5m; a plain number is seconds, 0.5 allowed "
              + "(default: ${DEFAULT-VALUE}).")
  Duration deadline;

  @Mixin SamplingOptions sampling;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "Send the bearer token in FILE (its first line) as 'authorization: Bearer <token>'.")
  Path tokenFile;

  @Option(
      names = "--tls-ca",
      paramLabel = "PEM",
      description = "Connect with TLS, trusting this CA (PEM).")
  Path tlsCa;

  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      description = "Client certificate (PEM) for mutual TLS.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "PKCS#8 PEM key of --tls-cert.")
  Path tlsKey;

  @Option(
      names = "--authority",
      paramLabel = "NAME",
      description = "Name to check the server certificate against instead of the target host.")
  String authority;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    HostPort hp = HostPort.parse(target);
    ChannelCredentials credentials =
        tlsCa == null && tlsCert == null
            ? InsecureChannelCredentials.create()
            : TlsFiles.channel(
                tlsCa == null ? null : new Pem("--tls-ca", tlsCa),
                tlsCert == null ? null : new Pem("--tls-cert", tlsCert),
                tlsKey == null ? null : new Pem("--tls-key", tlsKey));
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(hp.host(), hp.port(), credentials);
    if (authority != null) {
      builder.overrideAuthority(authority);
    }
    ManagedChannel channel = builder.build();
    try {
      Channel calls = channel;
      if (tokenFile != null) {
        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
            "Bearer " + token(tokenFile));
        calls =
            ClientInterceptors.intercept(
                channel, MetadataUtils.newAttachHeadersInterceptor(headers));
      }
      return run(
          calls, sampling, deadline, spec.commandLine().getOut(), spec.commandLine().getErr());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** The status, naming the server's address when it could not be reached at all. */
  static String describe(Status status, String target) {
    String text = status.getCode() + ": " + status.getDescription();
    if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null) {
      // gRPC says only "io exception"; the cause says what happened (connection refused, unknown
      // host).
      return "UNAVAILABLE: cannot reach "
          + target
          + " ("
          + status.getDescription()
          + ": "
          + status.getCause().getMessage()
          + ")";
    }
    return text;
  }

  /**
   * The first non-blank line of {@code file}; the message names the file only, never its content.
   */
  private static String token(Path file) throws IOException {
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        return line.strip();
      }
    }
    throw new IllegalArgumentException("--token-file " + file + " is empty");
  }

  /** Streams one generation to {@code out} and its summary to {@code err}; 0 on success. */
  static int run(
      Channel channel,
      SamplingOptions sampling,
      Duration deadline,
      PrintWriter out,
      PrintWriter err) {
    if (sampling.maxTokens < 0) {
      // The wire field is a uint32: -1 would arrive as 4294967295.
      err.printf(
          "edgesplit: --max-tokens must be >= 0 (0 = up to the context), got %d%n",
          sampling.maxTokens);
      err.flush();
      return 2;
    }
    GenerateRequest request =
        GenerateRequest.newBuilder()
            .setText(sampling.prompt)
            .setMaxNewTokens(sampling.maxTokens)
            .setSampling(
                SamplingParams.newBuilder()
                    .setTemperature(sampling.temperature)
                    .setTopK(sampling.topK)
                    .setTopP(sampling.topP)
                    .setSeed(sampling.seed))
            .addAllStop(sampling.stop)
            .build();
    GenerationSummary summary = null;
    try {
      Iterator<GenerateResponse> it =
          EdgeServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
              .generate(request);
      out.print(sampling.prompt);
      while (it.hasNext()) {
        GenerateResponse r = it.next();
        if (r.hasToken()) {
          out.print(r.getToken().getText());
          out.flush();
        } else if (r.hasSummary()) {
          summary = r.getSummary();
        }
      }
      out.println();
      out.flush();
    } catch (StatusRuntimeException e) {
      out.println();
      out.flush();
      err.printf("edgesplit: Generate failed: %s%n", describe(e.getStatus(), channel.authority()));
      err.flush();
      return 2;
    }
    if (summary != null) {
      err.print(SummaryFormat.format(summary));
      err.flush();
    }
    return 0;
  }
}
