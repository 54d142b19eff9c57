package dev.edgesplit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The demo's turn on the edge's OpenAI-compatible HTTP API: one chat completion, printed with curl
 * to repeat it.
 */
final class HttpDemo {

  private HttpDemo() {}

  static void chat(
      HostPort http, String model, SamplingOptions sampling, PrintWriter out, PrintWriter err)
      throws IOException, InterruptedException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode body = json.createObjectNode();
    body.put("model", model);
    body.putArray("messages").addObject().put("role", "user").put("content", sampling.prompt);
    body.put("max_tokens", sampling.maxTokens);
    body.put("temperature", sampling.temperature);
    String base = "http://" + http + "/v1";
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    awaitHealthy(client, "http://" + http + "/health");
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
                .timeout(Duration.ofSeconds(300))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode answer = json.readTree(response.body());
    out.printf(
        "--- the same prompt through the OpenAI-compatible HTTP API (%s, HTTP %d)%n",
        base, response.statusCode());
    if (response.statusCode() != 200) {
      out.println(answer.path("error").path("message").asText(response.body()));
      return;
    }
    out.println(answer.at("/choices/0/message/content").asText());
    out.printf(
        "  finish %s, usage %s%n  edgesplit %s%n",
        answer.at("/choices/0/finish_reason").asText(),
        answer.get("usage"),
        answer.get("edgesplit"));
    err.printf(
        "try: curl %s/chat/completions -H 'Content-Type: application/json' -d '%s'%n", base, body);
    err.printf("     (add \"stream\": true for server-sent events)%n");
    out.flush();
    err.flush();
  }

  /** The edge binds its HTTP port just after its gRPC health turns SERVING: wait for /health. */
  private static void awaitHealthy(HttpClient client, String url) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (client
                .send(
                    HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
  }
}
