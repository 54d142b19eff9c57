package dev.edgesplit.edge.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.edgesplit.edge.chat.ChatTemplate;
import dev.edgesplit.edge.chat.ChatTemplateException;
import dev.edgesplit.edge.http.CompletionRequest.Kind;
import dev.edgesplit.edge.http.ResponseJson.TokenLogprob;
import dev.edgesplit.edge.security.ClientIdentity;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.TokenizerException;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.proto.v1.TokenEvent;
import dev.edgesplit.proto.v1.TokenIds;
import io.grpc.StatusRuntimeException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Serves {@code POST /v1/chat/completions} and {@code POST /v1/completions}: checks the body,
 * renders the chat template, runs the generation through {@link GenerateBridge} and answers as one
 * JSON object or as server-sent events in OpenAI's chunk format ending with {@code data: [DONE]}. A
 * stream's headers are sent with its first event, so a request refused by Generate (limits, prompt
 * too long, no cloud) still gets its error status. Thread-safe.
 */
final class CompletionHandler {

  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private final ObjectMapper json;
  private final RequestParser parser;
  private final GenerateBridge bridge;
  private final ChatTemplate template;
  private final EndOfTurn endOfTurn;
  private final String modelId;

  CompletionHandler(
      ObjectMapper json,
      GenerateBridge bridge,
      ChatTemplate template,
      Tokenizer tokenizer,
      String modelId) {
    this.json = json;
    this.parser = new RequestParser(modelId);
    this.bridge = bridge;
    this.template = template;
    this.endOfTurn = EndOfTurn.of(template, tokenizer);
    this.modelId = modelId;
  }

  void handle(Context ctx, Kind kind, ClientIdentity who) throws IOException {
    CompletionRequest request = parser.parse(body(ctx), kind);
    GenerateRequest generate = toGenerate(request);
    String id =
        (kind == Kind.CHAT ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
    ResponseJson out = new ResponseJson(json, kind, id, System.currentTimeMillis() / 1000, modelId);
    List<String> stops = new ArrayList<>(request.stop());
    if (kind == Kind.CHAT) {
      stops.addAll(endOfTurn.strings());
    }
    if (request.stream()) {
      stream(ctx, request, generate, who, out, new StopTrimmer(stops));
    } else {
      whole(ctx, request, generate, who, out, new StopTrimmer(stops));
    }
  }

  private JsonNode body(Context ctx) {
    try {
      return json.readTree(ctx.bodyAsBytes());
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest(
              "the request body is not valid JSON: "
                  + RequestParser.truncate(String.valueOf(e.getOriginalMessage())),
              null)
          .failure();
    } catch (IOException e) {
      throw ApiError.badRequest("the request body could not be read", null).failure();
    }
  }

  private GenerateRequest toGenerate(CompletionRequest r) {
    GenerateRequest.Builder g =
        GenerateRequest.newBuilder()
            .setMaxNewTokens(r.maxTokens())
            .setSampling(
                SamplingParams.newBuilder()
                    .setTemperature(r.temperature())
                    .setTopP(r.topP())
                    .setSeed(r.seed())
                    .setLogprobs(r.logprobs()))
            .addAllStop(r.stop());
    if (r.kind() == Kind.CHAT) {
      String prompt;
      try {
        prompt = template.prompt(r.messages());
      } catch (ChatTemplateException e) {
        throw ApiError.badRequest(e.getMessage(), "messages").failure();
      }
      if (prompt.isEmpty()) {
        throw ApiError.badRequest("the messages render to an empty prompt", "messages").failure();
      }
      g.setText(prompt).addAllStopTokenIds(endOfTurn.tokenIds()).addAllStop(endOfTurn.strings());
    } else if (r.prompt() != null) {
      g.setText(r.prompt());
    } else {
      TokenIds.Builder ids = TokenIds.newBuilder();
      for (int id : r.promptTokens()) {
        ids.addIds(id);
      }
      g.setTokenIds(ids);
    }
    return g.build();
  }

  private void whole(
      Context ctx,
      CompletionRequest request,
      GenerateRequest generate,
      ClientIdentity who,
      ResponseJson out,
      StopTrimmer text) {
    List<TokenLogprob> logprobs = new ArrayList<>();
    GenerationSummary[] summary = new GenerationSummary[1];
    run(
        generate,
        who,
        new GenerateBridge.Sink() {
          @Override
          public void token(TokenEvent token) {
            text.push(token.getText());
            if (token.hasLogprob()) {
              logprobs.add(new TokenLogprob(token.getText(), token.getLogprob()));
            }
          }

          @Override
          public void summary(GenerationSummary s) {
            summary[0] = s;
          }
        });
    if (summary[0] != null) {
      ctx.status(200)
          .contentType("application/json")
          .result(write(out.response(text.text(), logprobs, request.logprobs(), summary[0])));
    }
  }

  private void stream(
      Context ctx,
      CompletionRequest request,
      GenerateRequest generate,
      ClientIdentity who,
      ResponseJson out,
      StopTrimmer text)
      throws IOException {
    boolean usageField = request.includeUsage();
    SseStream sse = new SseStream(ctx);
    try {
      run(
          generate,
          who,
          new GenerateBridge.Sink() {
            @Override
            public void token(TokenEvent token) throws IOException {
              if (!sse.started() && request.kind() == Kind.CHAT) {
                sse.send(write(out.roleChunk(usageField)));
              }
              String piece = text.push(token.getText());
              List<TokenLogprob> logprobs =
                  token.hasLogprob()
                      ? List.of(new TokenLogprob(token.getText(), token.getLogprob()))
                      : List.of();
              if (!piece.isEmpty() || request.logprobs()) {
                sse.send(write(out.textChunk(piece, logprobs, request.logprobs(), usageField)));
              }
            }

            @Override
            public void summary(GenerationSummary summary) throws IOException {
              if (!sse.started() && request.kind() == Kind.CHAT) {
                sse.send(write(out.roleChunk(usageField)));
              }
              String rest = text.finish();
              if (!rest.isEmpty()) {
                sse.send(write(out.textChunk(rest, List.of(), request.logprobs(), usageField)));
              }
              sse.send(write(out.finishChunk(summary, usageField)));
              if (usageField) {
                sse.send(write(out.usageChunk(summary)));
              }
              sse.sendRaw(DONE);
            }
          });
    } catch (ApiError.Failure e) {
      if (!sse.started()) {
        throw e;
      }
      // Headers are gone: the error travels as an event, as OpenAI's streams report a failure
      // mid-way.
      sse.send(write(out.error(e.error())));
    }
  }

  /** Runs the generation; Generate's refusals and failures become OpenAI errors. */
  private void run(GenerateRequest generate, ClientIdentity who, GenerateBridge.Sink sink) {
    try {
      bridge.run(generate, who, sink);
    } catch (StatusRuntimeException e) {
      throw ErrorMapping.fromStatus(e.getStatus()).failure();
    } catch (GenerateBridge.ClientGone e) {
      // Nobody to answer: the generation was cancelled.
    }
  }

  private byte[] write(ObjectNode node) {
    try {
      return json.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a response", e);
    }
  }

  /** Server-sent events on the servlet response, headers sent with the first event. */
  private static final class SseStream {
    private final Context ctx;
    private OutputStream body;

    SseStream(Context ctx) {
      this.ctx = ctx;
    }

    boolean started() {
      return body != null;
    }

    void send(byte[] data) throws IOException {
      start();
      body.write("data: ".getBytes(StandardCharsets.US_ASCII));
      body.write(data);
      body.write("\n\n".getBytes(StandardCharsets.US_ASCII));
      body.flush();
    }

    void sendRaw(byte[] bytes) throws IOException {
      start();
      body.write(bytes);
      body.flush();
    }

    private void start() throws IOException {
      if (body == null) {
        ctx.res().setStatus(200);
        ctx.res().setContentType("text/event-stream");
        ctx.res().setCharacterEncoding("utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        body = ctx.res().getOutputStream();
      }
    }
  }

  /** A chat template's end-of-turn markers: single tokens stop by id, others by text. */
  record EndOfTurn(List<Integer> tokenIds, List<String> strings) {
    static EndOfTurn of(ChatTemplate template, Tokenizer tokenizer) {
      List<Integer> ids = new ArrayList<>();
      List<String> strings = new ArrayList<>();
      for (String marker : template.endOfTurn()) {
        int[] encoded;
        try {
          encoded = tokenizer.encode(marker, false);
        } catch (TokenizerException e) {
          encoded = new int[0];
        }
        if (encoded.length == 1) {
          ids.add(encoded[0]);
        } else {
          strings.add(marker);
        }
      }
      return new EndOfTurn(List.copyOf(ids), List.copyOf(strings));
    }
  }
}
