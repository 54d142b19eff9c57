package dev.edgesplit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.SamplingParams;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code edgesplit load --compare-http}: what the OpenAI-compatible HTTP path adds per token over
 * gRPC Generate on the same agent. One client runs the same greedy request through both,
 * alternating which goes first each round; each request's ms per token is the time from its first
 * to its last token over the tokens in between, as the client sees them arrive. Prints the median
 * of each path and their difference, and the same for time to first token.
 */
final class HttpOverheadBench {

  /** One request as the client saw it. */
  record Timing(double msPerToken, double firstTokenMs, int tokens) {}

  private final HostPort grpcTarget;
  private final HostPort httpTarget;
  private final String model;
  private final String prompt;
  private final int maxTokens;
  private final int rounds;
  private final int timeoutSeconds;
  private final ObjectMapper json = new ObjectMapper();

  HttpOverheadBench(
      HostPort grpcTarget,
      HostPort httpTarget,
      String model,
      String prompt,
      int maxTokens,
      int rounds,
      int timeoutSeconds) {
    if (rounds < 1 || maxTokens < 2) {
      throw new IllegalArgumentException("--rounds must be >= 1 and --max-tokens >= 2");
    }
    this.grpcTarget = grpcTarget;
    this.httpTarget = httpTarget;
    this.model = model;
    this.prompt = prompt;
    this.maxTokens = maxTokens;
    this.rounds = rounds;
    this.timeoutSeconds = timeoutSeconds;
  }

  int run(PrintWriter out) throws Exception {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(grpcTarget.host(), grpcTarget.port()).usePlaintext().build();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    List<Timing> grpc = new ArrayList<>();
    List<Timing> overHttp = new ArrayList<>();
    try {
      // One unmeasured round of each warms both stacks (JIT, connections).
      grpcOnce(channel);
      httpOnce(http);
      for (int r = 0; r < rounds; r++) {
        if (r % 2 == 0) {
          grpc.add(grpcOnce(channel));
          overHttp.add(httpOnce(http));
        } else {
          overHttp.add(httpOnce(http));
          grpc.add(grpcOnce(channel));
        }
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    double grpcMs = median(grpc, Timing::msPerToken);
    double httpMs = median(overHttp, Timing::msPerToken);
    double grpcFirst = median(grpc, Timing::firstTokenMs);
    double httpFirst = median(overHttp, Timing::firstTokenMs);
    out.printf(
        Locale.ROOT,
        "http overhead: %d rounds, %d tokens each, gRPC %s vs HTTP %s (streamed /v1/completions)%n",
        rounds,
        grpc.get(0).tokens(),
        grpcTarget,
        httpTarget);
    out.printf(
        Locale.ROOT,
        "  ms/token          gRPC %.3f   HTTP %.3f   HTTP adds %+.3f ms/token (medians)%n",
        grpcMs,
        httpMs,
        httpMs - grpcMs);
    out.printf(
        Locale.ROOT,
        "  first token ms    gRPC %.2f   HTTP %.2f   HTTP adds %+.2f ms%n",
        grpcFirst,
        httpFirst,
        httpFirst - grpcFirst);
    out.flush();
    return 0;
  }

  private Timing grpcOnce(ManagedChannel channel) {
    GenerateRequest request =
        GenerateRequest.newBuilder()
            .setText(prompt)
            .setMaxNewTokens(maxTokens)
            .setSampling(SamplingParams.newBuilder().setTemperature(0f))
            .build();
    long t0 = System.nanoTime();
    List<Long> arrivals = new ArrayList<>();
    Iterator<GenerateResponse> it =
        EdgeServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
            .generate(request);
    while (it.hasNext()) {
      if (it.next().hasToken()) {
        arrivals.add(System.nanoTime());
      }
    }
    return timing(t0, arrivals);
  }

  private Timing httpOnce(HttpClient http) throws IOException, InterruptedException {
    ObjectNode body = json.createObjectNode();
    body.put("model", model);
    body.put("prompt", prompt);
    body.put("max_tokens", maxTokens);
    body.put("temperature", 0);
    body.put("stream", true);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + httpTarget + "/v1/completions"))
            .timeout(Duration.ofSeconds(timeoutSeconds))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    long t0 = System.nanoTime();
    HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "HTTP "
              + response.statusCode()
              + " from "
              + request.uri()
              + ": "
              + String.join("\n", (Iterable<String>) response.body()::iterator));
    }
    List<Long> arrivals = new ArrayList<>();
    try (Stream<String> lines = response.body()) {
      Iterator<String> it = lines.iterator();
      while (it.hasNext()) {
        String line = it.next();
        // A chunk that carries text is a token (the last chunk carries only the finish reason).
        if (line.startsWith("data: {") && !line.contains("\"text\":\"\"")) {
          arrivals.add(System.nanoTime());
        }
      }
    }
    return timing(t0, arrivals);
  }

  private static Timing timing(long t0, List<Long> arrivals) {
    if (arrivals.size() < 2) {
      throw new IllegalStateException(
          "a request produced " + arrivals.size() + " tokens: need 2 or more");
    }
    double span = (arrivals.get(arrivals.size() - 1) - arrivals.get(0)) / 1e6;
    return new Timing(span / (arrivals.size() - 1), (arrivals.get(0) - t0) / 1e6, arrivals.size());
  }

  private static double median(
      List<Timing> timings, java.util.function.ToDoubleFunction<Timing> field) {
    List<Double> values = new ArrayList<>();
    timings.forEach(t -> values.add(field.applyAsDouble(t)));
    Collections.sort(values);
    int n = values.size();
    return n % 2 == 1 ? values.get(n / 2) : (values.get(n / 2 - 1) + values.get(n / 2)) / 2;
  }
}
