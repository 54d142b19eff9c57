package dev.edgesplit.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.generate.StepRecord;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.systest.CompiledStories;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every error case of the HTTP API answers in OpenAI's error shape ({@code
 * error.message/type/param/code}) with its HTTP status and no stack trace, and the agent keeps
 * serving afterwards; a client that disconnects mid-stream cancels its generation. Real split on
 * loopback serving stories260K.
 */
class HttpErrorsTest {

  static final String TOKEN = "s3cret-token-for-http-tests";
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir static Path dir;
  static CompiledModel compiled;
  static Tokenizer tokenizer;
  static HttpSplit open;
  static HttpSplit guarded;
  static final Gate gate = new Gate();

  /**
   * Holds a generation at its third step until the test lets it go; counts steps and closed
   * sessions.
   */
  static final class Gate implements StepListener {
    final AtomicInteger steps = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    volatile CountDownLatch hold = new CountDownLatch(0);

    @Override
    public void onStep(StepRecord step) {
      if (steps.incrementAndGet() == 3) {
        try {
          hold.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public void sessionClosed(String sessionId, long kvBytes) {
      closed.incrementAndGet();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    compiled = CompiledStories.model();
    tokenizer = CompiledStories.tokenizer();
    open = new HttpSplit(1, Map.of("http.max_body_bytes", "8192"), gate, false);
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "app " + TOKEN + "\n");
    guarded =
        new HttpSplit(
            1,
            Map.of(
                "auth.mode",
                "token",
                "auth.tokens_file",
                tokens.toString(),
                "limits.rate_per_second",
                "0.001",
                "limits.rate_burst",
                "1"),
            StepListener.NONE,
            false);
  }

  @AfterAll
  static void stop() throws Exception {
    for (HttpSplit s : new HttpSplit[] {open, guarded}) {
      if (s != null) {
        s.close();
      }
    }
  }

  static HttpResponse<String> post(HttpSplit split, String path, String body, String token)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(split.baseUrl() + path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(HttpSplit split, String path) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + split.edge.httpPort() + path))
            .timeout(Duration.ofSeconds(30))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Asserts OpenAI's error shape, no stack trace, and returns the error object. */
  static JsonNode assertError(HttpResponse<String> response, int status, String type)
      throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/json");
    JsonNode error = JSON.readTree(response.body()).get("error");
    assertThat(error).as(response.body()).isNotNull();
    assertThat(error.get("message").asText()).isNotBlank();
    assertThat(error.get("type").asText()).isEqualTo(type);
    assertThat(error.has("param")).isTrue();
    assertThat(error.has("code")).isTrue();
    assertThat(response.body()).doesNotContain("\tat ", "Exception:", "dev.edgesplit.");
    return error;
  }

  static String chat(String extra) {
    return "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],"
        + "\"max_tokens\":8,\"temperature\":0"
        + extra
        + "}";
  }

  static void assertStillServes(HttpSplit split, String token) throws Exception {
    HttpResponse<String> ok = post(split, "/chat/completions", chat(""), token);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(JSON.readTree(ok.body()).at("/choices/0/message/content").asText()).isNotEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      not JSON                  | /chat/completions | {"model":                                                             | 400 | invalid_request_error |
      body not an object        | /chat/completions | [1,2]                                                                 | 400 | invalid_request_error |
      no model                  | /chat/completions | {"messages":[{"role":"user","content":"hi"}]}                         | 400 | invalid_request_error | model
      unknown model             | /chat/completions | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}        | 404 | invalid_request_error |
      no messages               | /chat/completions | {"model":"stories260K"}                                               | 400 | invalid_request_error | messages
      bad role                  | /chat/completions | {"model":"stories260K","messages":[{"role":"tool","content":"x"}]}    | 400 | invalid_request_error | messages[0].role
      n above 1                 | /chat/completions | {"model":"stories260K","n":2,"messages":[{"role":"user","content":"hi"}]} | 400 | invalid_request_error | n
      temperature not a number  | /chat/completions | {"model":"stories260K","temperature":"hot","messages":[{"role":"user","content":"hi"}]} | 400 | invalid_request_error | temperature
      temperature above 2       | /chat/completions | {"model":"stories260K","temperature":7,"messages":[{"role":"user","content":"hi"}]} | 400 | invalid_request_error | temperature
      top_logprobs              | /chat/completions | {"model":"stories260K","logprobs":true,"top_logprobs":3,"messages":[{"role":"user","content":"hi"}]} | 400 | invalid_request_error | top_logprobs
      tools                     | /chat/completions | {"model":"stories260K","tools":[{"type":"function"}],"messages":[{"role":"user","content":"hi"}]} | 400 | invalid_request_error | tools
      stream_options no stream  | /chat/completions | {"model":"stories260K","stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]} | 400 | invalid_request_error | stream_options
      max_tokens zero           | /chat/completions | {"model":"stories260K","max_tokens":0,"messages":[{"role":"user","content":"hi"}]} | 400 | invalid_request_error | max_tokens
      stop not strings          | /chat/completions | {"model":"stories260K","stop":[1],"messages":[{"role":"user","content":"hi"}]} | 400 | invalid_request_error | stop
      no prompt                 | /completions      | {"model":"stories260K"}                                               | 400 | invalid_request_error | prompt
      several prompts           | /completions      | {"model":"stories260K","prompt":["a","b"]}                            | 400 | invalid_request_error | prompt
      token beyond vocabulary   | /completions      | {"model":"stories260K","prompt":[1,99999]}                            | 400 | invalid_request_error |
      max_tokens beyond context | /completions      | {"model":"stories260K","prompt":"Once","max_tokens":100000}          | 400 | invalid_request_error |
      unknown route             | /embeddings       | {"model":"stories260K","input":"x"}                                   | 404 | invalid_request_error |
      """)
  void badRequest_getsOpenAiErrorAndStatus_andTheAgentKeepsServing(
      String name, String path, String body, int status, String type, String param)
      throws Exception {
    JsonNode error = assertError(post(open, path, body, null), status, type);
    if (param != null) {
      assertThat(error.get("param").asText()).isEqualTo(param);
    }
    assertStillServes(open, null);
  }

  @Test
  void promptBeyondTheContext_is400ContextLengthExceeded() throws Exception {
    String longPrompt = "Once upon a time there was a cat. ".repeat(120);
    JsonNode error =
        assertError(
            post(
                open,
                "/completions",
                "{\"model\":\"stories260K\",\"prompt\":\"" + longPrompt.substring(0, 4000) + "\"}",
                null),
            400,
            "invalid_request_error");
    assertThat(error.get("code").asText()).isEqualTo("context_length_exceeded");
    assertStillServes(open, null);
  }

  @Test
  void bodyBeyondTheLimit_is413() throws Exception {
    String huge = "x".repeat(20_000);
    JsonNode error =
        assertError(
            post(
                open,
                "/completions",
                "{\"model\":\"stories260K\",\"prompt\":\"" + huge + "\"}",
                null),
            413,
            "invalid_request_error");
    assertThat(error.get("code").asText()).isEqualTo("request_too_large");
    assertStillServes(open, null);
  }

  @Test
  void wrongMethod_andUnknownPath_areOpenAiErrors() throws Exception {
    assertThat(get(open, "/health").statusCode()).isEqualTo(200);
    JsonNode models = JSON.readTree(get(open, "/v1/models").body());
    assertThat(models.at("/data/0/id").asText()).isEqualTo("stories260K");
    assertThat(models.at("/data/0/context_length").asInt()).isEqualTo(512);
    assertThat(models.at("/data/0/cut").asInt()).isEqualTo(1);
    HttpResponse<String> wrong = get(open, "/v1/chat/completions");
    assertThat(wrong.statusCode()).isIn(404, 405);
    assertThat(JSON.readTree(wrong.body()).get("error")).isNotNull();
  }

  @Test
  void missingOrBadToken_is401_rateLimit_is429_andTheAgentKeepsServing() throws Exception {
    JsonNode missing =
        assertError(
            post(guarded, "/chat/completions", chat(""), null), 401, "authentication_error");
    assertThat(missing.get("code").asText()).isEqualTo("invalid_api_key");
    JsonNode bad =
        assertError(
            post(guarded, "/chat/completions", chat(""), "not-the-token-at-all"),
            401,
            "authentication_error");
    assertThat(bad.get("message").asText()).doesNotContain("not-the-token-at-all");
    assertThat(get(guarded, "/v1/models").statusCode()).isEqualTo(401);
    // The bucket holds one call: the first passes, the next is over the rate (the 401s above cost
    // nothing).
    HttpResponse<String> first = post(guarded, "/chat/completions", chat(""), TOKEN);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    JsonNode limited =
        assertError(post(guarded, "/chat/completions", chat(""), TOKEN), 429, "rate_limit_error");
    assertThat(limited.get("code").asText()).isEqualTo("rate_limit_exceeded");
    assertStillServes(open, null);
  }

  @Test
  void requestLimits_are400_soClientsDoNotRetryThem() throws Exception {
    // OpenAI clients retry a 429 on their own; a prompt or a max_tokens beyond the operator's
    // limits
    // fails the same way every time, so it must be a 400.
    try (HttpSplit limited =
        new HttpSplit(
            1,
            Map.of("limits.max_prompt_tokens", "3", "limits.max_new_tokens", "5"),
            StepListener.NONE,
            false)) {
      JsonNode longPrompt =
          assertError(
              post(
                  limited,
                  "/completions",
                  "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\",\"max_tokens\":2}",
                  null),
              400,
              "invalid_request_error");
      assertThat(longPrompt.get("code").asText()).isEqualTo("context_length_exceeded");
      assertThat(longPrompt.get("message").asText()).contains("limits.max_prompt_tokens");
      JsonNode longGeneration =
          assertError(
              post(
                  limited,
                  "/completions",
                  "{\"model\":\"stories260K\",\"prompt\":\"Once\",\"max_tokens\":6}",
                  null),
              400,
              "invalid_request_error");
      assertThat(longGeneration.get("message").asText()).contains("limits.max_new_tokens");
    }
  }

  @Test
  void noCloudAndNoFallback_is503() throws Exception {
    try (HttpSplit cloudless = new HttpSplit(1, Map.of(), StepListener.NONE, true)) {
      JsonNode error =
          assertError(
              post(cloudless, "/chat/completions", chat(""), null),
              503,
              "service_unavailable_error");
      assertThat(error.get("message").asText()).isNotBlank();
      // Streamed: refused before the first event, so still a status and a JSON error, not an event
      // stream.
      assertError(
          post(cloudless, "/chat/completions", chat(",\"stream\":true"), null),
          503,
          "service_unavailable_error");
    }
  }

  @Test
  void clientDisconnectingMidStream_cancelsTheGeneration() throws Exception {
    int closedBefore = open.edge == null ? 0 : gate.closed.get();
    gate.steps.set(0);
    gate.hold = new CountDownLatch(1);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(open.baseUrl() + "/completions"))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\",\"max_tokens\":400,\"temperature\":0,"
                        + "\"stream\":true}"))
            .build();
    HttpResponse<InputStream> response =
        CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/event-stream");
    InputStream body = response.body();
    BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    assertThat(lines.readLine()).startsWith("data: {");
    body.close();
    gate.hold.countDown();
    await().atMost(Duration.ofSeconds(60)).until(() -> gate.closed.get() > closedBefore);
    // Cancelled long before its 400 tokens: it stopped at the first writes after the client left.
    assertThat(gate.steps.get()).isLessThan(200);
    await().atMost(Duration.ofSeconds(30)).until(() -> open.cloud.sessions().activeSessions() == 0);
    assertStillServes(open, null);
  }
}
