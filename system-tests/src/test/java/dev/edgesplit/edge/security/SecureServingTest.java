package dev.edgesplit.edge.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.ChainCloudCompute;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.segment.WeightFormat;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.CompileOptions;
import dev.edgesplit.partitioner.Compiler;
import dev.edgesplit.partitioner.model.ModelImporter;
import dev.edgesplit.partitioner.onnx.SegmentOptions;
import dev.edgesplit.proto.Protocol;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.HandshakeRequest;
import dev.edgesplit.server.energy.StepEnergy;
import dev.edgesplit.server.tls.TlsConfigException;
import dev.edgesplit.server.tls.TlsFiles;
import dev.edgesplit.server.tls.TlsFiles.Pem;
import dev.edgesplit.testkit.SharedModels;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.Context;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real split (stories260K, cut 2) with every security feature on, over real TLS on loopback
 * sockets: edge -> cloud mutual TLS with certificates made by deploy/tls/make-test-ca.sh, client
 * authentication on Generate (bearer token or client certificate), per-client rate and concurrency
 * limits, length limits, and no secret in any log line or status description.
 */
class SecureServingTest {

  static final String PROMPT = "Once upon a time";
  static final String GREEDY_START = "Once upon a time, there was a little girl named Lily.";
  static final String ALICE = "alice-0123456789abcdef-secret";
  static final String BOB = "bob-fedcba9876543210-secret";
  static final String INTRUDER = "mallory-not-a-valid-token-0000";

  @TempDir static Path dir;
  static CompiledModel compiled;
  static Tokenizer tokenizer;
  static TestCa ca;
  static Path tokens;

  private SegmentChain cloudChain;
  private SegmentChain edgeChain;
  private CloudWorker cloud;
  private List<ManagedChannel> toCloud = List.of();
  private EdgeAgent edge;
  private final List<ManagedChannel> clients = new java.util.ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    Path checkpoint = SharedModels.require("stories260K/stories260K.bin");
    compiled =
        new Compiler(
                new CompileOptions(
                    null, WeightFormat.FP32, WeightFormat.FP32, SegmentOptions.defaults(512)))
            .compile(ModelImporter.load(checkpoint), dir.resolve("model"));
    tokenizer = Tokenizers.load(compiled.tokenizerFile());
    ca = TestCa.make(dir.resolve("tls"));
    tokens = dir.resolve("tokens");
    Files.writeString(tokens, "# name token\nalice " + ALICE + "\nbob " + BOB + "\n");
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : clients) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (edge != null) {
      edge.close();
    }
    for (ManagedChannel c : toCloud) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (cloud != null) {
      cloud.close();
    }
    if (edgeChain != null) {
      edgeChain.close();
    }
    if (cloudChain != null) {
      cloudChain.close();
    }
  }

  /** A cloud worker requiring client certificates from the test CA. */
  private void startCloud() {
    cloudChain = compiled.openCloud(2, RuntimeOptions.defaults());
    CloudConfig config =
        CloudConfig.load(
            null,
            Map.of(),
            Map.of(
                "listen.port",
                "0",
                "model.cut",
                "2",
                "tls.enabled",
                "true",
                "tls.cert",
                ca.file("server.crt").toString(),
                "tls.key",
                ca.file("server.key").toString(),
                "tls.client_ca",
                ca.file("ca.crt").toString()));
    cloud =
        new CloudWorker(
                config,
                new ChainCloudCompute(cloudChain, compiled.fingerprint()),
                new EngineSamplerFactory(),
                dev.edgesplit.server.energy.StepEnergy.none())
            .start();
  }

  /**
   * Cloud + edge; the edge reaches the cloud over mTLS with {@code clientCert} and serves Generate
   * over TLS.
   */
  private void startSplit(String clientCert, Map<String, String> edgeOverrides) {
    startSplit(clientCert, edgeOverrides, port -> "127.0.0.1:" + port);
  }

  private void startSplit(
      String clientCert, Map<String, String> edgeOverrides, IntFunction<String> targets) {
    startCloud();
    Map<String, String> o =
        new HashMap<>(
            Map.of(
                "listen.port",
                "0",
                "model.cut",
                "2",
                "cloud.hidden_dtype",
                "fp32",
                "cloud.target",
                targets.apply(cloud.port()),
                "tls.enabled",
                "true",
                "tls.ca",
                ca.file("ca.crt").toString(),
                "tls.cert",
                ca.file(clientCert + ".crt").toString(),
                "tls.key",
                ca.file(clientCert + ".key").toString()));
    o.put("server_tls.enabled", "true");
    o.put("server_tls.cert", ca.file("server.crt").toString());
    o.put("server_tls.key", ca.file("server.key").toString());
    o.put("server_tls.client_ca", ca.file("ca.crt").toString());
    o.put("auth.mode", "token");
    o.put("auth.tokens_file", tokens.toString());
    o.putAll(edgeOverrides);
    EdgeConfig config = EdgeConfig.load(null, Map.of(), o);
    toCloud = CloudChannels.open(config);
    edgeChain = compiled.openEdge(2, RuntimeOptions.defaults());
    edge =
        new EdgeAgent(
                config,
                edgeChain,
                compiled.fingerprint(),
                tokenizer,
                List.<Channel>copyOf(toCloud),
                null,
                StepEnergy.none())
            .start();
  }

  private EdgeServiceGrpc.EdgeServiceBlockingStub client(
      ChannelCredentials credentials, String token) {
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", edge.port(), credentials).build();
    clients.add(ch);
    EdgeServiceGrpc.EdgeServiceBlockingStub stub =
        EdgeServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
    if (token != null) {
      Metadata m = new Metadata();
      m.put(AuthInterceptor.AUTHORIZATION, "Bearer " + token);
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }
    return stub;
  }

  private static ChannelCredentials trustOnly() {
    return TlsFiles.channel(new Pem("ca", ca.file("ca.crt")), null, null);
  }

  private static ChannelCredentials withCert(String name) {
    return TlsFiles.channel(
        new Pem("ca", ca.file("ca.crt")),
        new Pem("cert", ca.file(name + ".crt")),
        new Pem("key", ca.file(name + ".key")));
  }

  private static String generate(EdgeServiceGrpc.EdgeServiceBlockingStub stub, int maxNewTokens) {
    StringBuilder text = new StringBuilder(PROMPT);
    Iterator<GenerateResponse> it =
        stub.generate(
            GenerateRequest.newBuilder().setText(PROMPT).setMaxNewTokens(maxNewTokens).build());
    while (it.hasNext()) {
      GenerateResponse r = it.next();
      if (r.hasToken()) {
        text.append(r.getToken().getText());
      }
    }
    return text.toString();
  }

  private static void assertRefused(Runnable call, Status.Code code, String description) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              if (description != null) {
                assertThat(e.getStatus().getDescription()).contains(description);
              }
            });
  }

  @Test
  void generate_withValidToken_overTls_andMutualTlsToTheCloud_givesTheGreedyText() {
    startSplit("client", Map.of());
    assertThat(generate(client(trustOnly(), ALICE), 16)).startsWith(GREEDY_START);
  }

  @Test
  void missingOrWrongToken_isUnauthenticated_andNoTokenIsEchoed() {
    startSplit("client", Map.of());
    assertRefused(
        () -> generate(client(trustOnly(), null), 4), Status.Code.UNAUTHENTICATED, "missing");
    assertRefused(
        () -> generate(client(trustOnly(), INTRUDER), 4),
        Status.Code.UNAUTHENTICATED,
        "invalid bearer token");
    assertThatThrownBy(() -> generate(client(trustOnly(), INTRUDER), 4))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(INTRUDER));
  }

  @Test
  void clientCertMode_admitsTheCaSignedClient_andRefusesNoCertAndAnotherCasCert() {
    startSplit("client", Map.of("auth.mode", "client_cert", "auth.tokens_file", ""));
    assertThat(generate(client(withCert("client"), null), 8)).startsWith(PROMPT + ",");
    // The TLS handshake itself fails: the call never reaches the service.
    assertRefused(() -> generate(client(trustOnly(), null), 4), Status.Code.UNAVAILABLE, null);
    assertRefused(
        () -> generate(client(withCert("other-client"), null), 4), Status.Code.UNAVAILABLE, null);
    // A valid token is no substitute for the certificate in this mode.
    assertRefused(() -> generate(client(trustOnly(), ALICE), 4), Status.Code.UNAVAILABLE, null);
  }

  @Test
  void cloud_refusesEdgesWithoutAClientCertificate_orWithOneFromAnotherCa_orInPlaintext()
      throws Exception {
    startCloud();
    HandshakeRequest hello =
        HandshakeRequest.newBuilder().setProtocolVersion(Protocol.VERSION).build();
    for (ChannelCredentials creds :
        List.of(trustOnly(), withCert("other-client"), InsecureChannelCredentials.create())) {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", cloud.port(), creds).build();
      clients.add(ch);
      assertRefused(
          () ->
              CloudServiceGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .handshake(hello),
          Status.Code.UNAVAILABLE,
          null);
    }
    // The CA-signed client certificate gets through TLS (and then fails the handshake's plan
    // check).
    ManagedChannel ok =
        NettyChannelBuilder.forAddress("127.0.0.1", cloud.port(), withCert("client")).build();
    clients.add(ok);
    assertRefused(
        () ->
            CloudServiceGrpc.newBlockingStub(ok)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .handshake(hello),
        Status.Code.FAILED_PRECONDITION,
        "fingerprint");
  }

  @Test
  void cloudTargetList_usesMutualTlsForEveryWorker_andFailsOverPastADeadOne() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = s.getLocalPort();
    }
    // The first worker is gone: sessions fail over to the second, which only admits the test CA's
    // client cert.
    startSplit("client", Map.of(), port -> "127.0.0.1:" + dead + ",127.0.0.1:" + port);
    assertThat(toCloud).hasSize(2);
    assertThat(generate(client(trustOnly(), ALICE), 16)).startsWith(GREEDY_START);
  }

  @Test
  void edgeWithACertificateFromAnotherCa_cannotReachTheCloud_andTheClientSeesUnavailable() {
    // A refused TLS handshake is UNAVAILABLE like a dead worker: the edge retries until the retry
    // deadline.
    startSplit("other-client", Map.of("cloud.retry.deadline_ms", "1000"));
    assertRefused(() -> generate(client(trustOnly(), ALICE), 4), Status.Code.UNAVAILABLE, null);
  }

  @Test
  void rateLimit_refusesTheCallBeyondTheBurst_withResourceExhausted_perClient() {
    startSplit("client", Map.of("limits.rate_per_second", "0.001", "limits.rate_burst", "2"));
    EdgeServiceGrpc.EdgeServiceBlockingStub alice = client(trustOnly(), ALICE);
    generate(alice, 2);
    generate(alice, 2);
    assertRefused(
        () -> generate(alice, 2),
        Status.Code.RESOURCE_EXHAUSTED,
        "rate limit exceeded for principal alice");
    assertThat(generate(client(trustOnly(), BOB), 2)).startsWith(PROMPT);
  }

  @Test
  void concurrencyLimit_refusesASecondRunningCall_ofTheSameClient_untilTheFirstEnds() {
    startSplit("client", Map.of("limits.max_concurrent_per_client", "1"));
    EdgeServiceGrpc.EdgeServiceBlockingStub alice = client(trustOnly(), ALICE);
    Context.CancellableContext first = Context.current().withCancellation();
    first.run(
        () -> {
          Iterator<GenerateResponse> running =
              alice.generate(
                  GenerateRequest.newBuilder().setText(PROMPT).setMaxNewTokens(400).build());
          assertThat(running.next().hasToken()).isTrue();
          assertRefused(
              () -> generate(alice, 2),
              Status.Code.RESOURCE_EXHAUSTED,
              "principal alice already runs its maximum of 1 concurrent Generate calls");
          assertThat(generate(client(trustOnly(), BOB), 2)).startsWith(PROMPT);
        });
    first.cancel(null);
    await()
        .atMost(10, TimeUnit.SECONDS)
        .ignoreExceptions()
        .until(() -> generate(alice, 2).startsWith(PROMPT));
  }

  @Test
  void lengthLimits_refuseLongPromptsWithOutOfRange_andLongGenerationsWithInvalidArgument() {
    startSplit("client", Map.of("limits.max_prompt_tokens", "3", "limits.max_new_tokens", "5"));
    EdgeServiceGrpc.EdgeServiceBlockingStub alice = client(trustOnly(), ALICE);
    assertRefused(() -> generate(alice, 2), Status.Code.OUT_OF_RANGE, "limits.max_prompt_tokens");
    assertRefused(
        () ->
            alice
                .generate(GenerateRequest.newBuilder().setText("Once").setMaxNewTokens(6).build())
                .hasNext(),
        Status.Code.INVALID_ARGUMENT,
        "limits.max_new_tokens");
  }

  @Test
  void noTokenOrKeyMaterial_appearsInAnyLogLine_evenAtDebug_withTheShippedLogConfig()
      throws Exception {
    try (LogCapture logs = new LogCapture()) {
      startSplit("client", Map.of());
      generate(client(trustOnly(), ALICE), 4);
      for (String bad : new String[] {INTRUDER, "Basic " + ALICE, ALICE + "x"}) {
        assertThatThrownBy(
            () -> generate(client(trustOnly(), bad.startsWith("Basic") ? null : bad), 2));
      }
      Path shortTokens = dir.resolve("short-tokens");
      Files.writeString(shortTokens, "carol tooShortSecret\n");
      assertThatThrownBy(() -> BearerTokens.load(shortTokens))
          .hasMessageNotContaining("tooShortSecret");
      // A private key given where a certificate belongs, and a certificate where the key belongs.
      assertThatThrownBy(
              () ->
                  TlsFiles.server(
                      new Pem("tls.cert", ca.file("server.key")),
                      new Pem("tls.key", ca.file("server.key")),
                      null,
                      false))
          .isInstanceOf(TlsConfigException.class)
          .satisfies(e -> assertNoSecret(List.of(e.getMessage())));
      assertThatThrownBy(
              () ->
                  TlsFiles.server(
                      new Pem("tls.cert", ca.file("server.crt")),
                      new Pem("tls.key", ca.file("ca.crt")),
                      null,
                      false))
          .isInstanceOf(TlsConfigException.class)
          .hasMessageContaining("tls.key");
      List<String> lines = logs.lines();
      assertThat(lines).anyMatch(l -> l.contains("invalid bearer token"));
      assertThat(logs.rootLevel()).isEqualTo("DEBUG");
      assertNoSecret(lines);
    }
  }

  private static void assertNoSecret(List<String> lines) throws Exception {
    String[] keyLines = ca.keyLines();
    for (String line : lines) {
      assertThat(line).doesNotContain(ALICE, BOB, INTRUDER, "alice-0123456789");
      for (String k : keyLines) {
        assertThat(line).doesNotContain(k);
      }
    }
  }
}
