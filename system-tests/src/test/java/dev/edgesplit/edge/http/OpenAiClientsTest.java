package dev.edgesplit.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.v1.FinishReason;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.systest.CompiledStories;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.testkit.Stories260k;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API driven by real third-party OpenAI clients, the official openai-java SDK and
 * LangChain4j's langchain4j-open-ai, streamed and not, against a real cloud worker and edge agent
 * on loopback sockets serving stories260K (cut 2): the greedy text equals gRPC Generate's for the
 * same request, and the usage counts are the generation's own.
 */
class OpenAiClientsTest {

  static final String MODEL = "stories260K";
  static final int MAX_TOKENS = 40;

  @TempDir static Path dir;
  static CompiledModel compiled;
  static Tokenizer tokenizer;
  static HttpSplit split;
  static Generated grpc;
  static int promptTokens;

  @BeforeAll
  static void start() throws Exception {
    compiled = CompiledStories.model();
    tokenizer = CompiledStories.tokenizer();
    split = new HttpSplit(2, Map.of(), StepListener.NONE, false);
    grpc =
        split.generate(
            GenerateRequest.newBuilder()
                .setText(Stories260k.PROMPT)
                .setMaxNewTokens(MAX_TOKENS)
                .setSampling(SamplingParams.newBuilder().setTemperature(0f))
                .build());
    promptTokens = tokenizer.encode(Stories260k.PROMPT, true).length;
    assertThat(grpc.summary().getFinishReason()).isEqualTo(FinishReason.FINISH_REASON_MAX_TOKENS);
    assertThat(Stories260k.REFERENCE).startsWith(Stories260k.PROMPT + grpc.text());
  }

  @AfterAll
  static void stop() throws Exception {
    if (split != null) {
      split.close();
    }
  }

  static OpenAIClient openai() {
    return OpenAIOkHttpClient.builder()
        .baseUrl(split.baseUrl())
        .apiKey("unused")
        .maxRetries(0)
        .timeout(Duration.ofSeconds(60))
        .build();
  }

  static ChatCompletionCreateParams.Builder chat() {
    return ChatCompletionCreateParams.builder()
        .model(MODEL)
        .addUserMessage(Stories260k.PROMPT)
        .maxCompletionTokens(MAX_TOKENS)
        .temperature(0.0);
  }

  static void assertUsage(CompletionUsage usage) {
    assertThat(usage.promptTokens()).isEqualTo(promptTokens);
    assertThat(usage.completionTokens()).isEqualTo(MAX_TOKENS);
    assertThat(usage.totalTokens()).isEqualTo(promptTokens + MAX_TOKENS);
  }

  @Test
  void openaiJava_chat_equalsGrpcGenerate() {
    ChatCompletion completion = openai().chat().completions().create(chat().build());
    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().get(0).message().content()).contains(grpc.text());
    assertThat(completion.choices().get(0).finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
    assertUsage(completion.usage().orElseThrow());
    assertThat(completion._additionalProperties().get("edgesplit").toString()).contains("cut=2");
  }

  @Test
  void openaiJava_chatStream_equalsGrpcGenerate_withUsageChunk() {
    StringBuilder text = new StringBuilder();
    List<String> finishes = new ArrayList<>();
    AtomicReference<CompletionUsage> usage = new AtomicReference<>();
    try (StreamResponse<ChatCompletionChunk> stream =
        openai()
            .chat()
            .completions()
            .createStreaming(
                chat()
                    .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                    .build())) {
      stream.stream()
          .forEach(
              chunk -> {
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                  choice.delta().content().ifPresent(text::append);
                  choice.finishReason().ifPresent(f -> finishes.add(f.asString()));
                }
                chunk.usage().ifPresent(usage::set);
              });
    }
    assertThat(text.toString()).isEqualTo(grpc.text());
    assertThat(finishes).containsExactly("length");
    assertUsage(usage.get());
  }

  @Test
  void openaiJava_completion_streamedAndNot_equalsGrpcGenerate() {
    CompletionCreateParams params =
        CompletionCreateParams.builder()
            .model(MODEL)
            .prompt(Stories260k.PROMPT)
            .maxTokens(MAX_TOKENS)
            .temperature(0.0)
            .build();
    Completion whole = openai().completions().create(params);
    assertThat(whole.choices().get(0).text()).isEqualTo(grpc.text());
    assertUsage(whole.usage().orElseThrow());
    StringBuilder streamed = new StringBuilder();
    try (StreamResponse<Completion> stream = openai().completions().createStreaming(params)) {
      stream.stream().forEach(c -> c.choices().forEach(choice -> streamed.append(choice.text())));
    }
    assertThat(streamed.toString()).isEqualTo(grpc.text());
  }

  @Test
  void openaiJava_logprobs_areTheModelsOwn_andAtMostZero() {
    ChatCompletion completion = openai().chat().completions().create(chat().logprobs(true).build());
    var content = completion.choices().get(0).logprobs().orElseThrow().content().orElseThrow();
    assertThat(content).hasSize(MAX_TOKENS);
    StringBuilder text = new StringBuilder();
    content.forEach(
        t -> {
          assertThat(t.logprob()).isLessThanOrEqualTo(0.0);
          text.append(t.token());
        });
    assertThat(text.toString()).isEqualTo(grpc.text());
  }

  @Test
  void stopString_endsTheAnswerBeforeIt_withFinishReasonStop() {
    String stop = "Lily";
    assertThat(grpc.text()).contains(stop);
    ChatCompletion completion =
        openai()
            .chat()
            .completions()
            .create(chat().stop(ChatCompletionCreateParams.Stop.ofString(stop)).build());
    assertThat(completion.choices().get(0).message().content())
        .contains(grpc.text().substring(0, grpc.text().indexOf(stop)));
    assertThat(completion.choices().get(0).finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
  }

  @Test
  void stopTokenIds_endTheGenerationBeforeThatToken_likeEos() {
    // The token that starts " Lily" in the greedy text: Generate must stop before streaming it.
    int[] all = tokenizer.encode(Stories260k.PROMPT + grpc.text(), true);
    int[] prompt = tokenizer.encode(Stories260k.PROMPT, true);
    int stopAt = prompt.length + 6;
    Generated cut =
        split.generate(
            GenerateRequest.newBuilder()
                .setText(Stories260k.PROMPT)
                .setMaxNewTokens(MAX_TOKENS)
                .setSampling(SamplingParams.newBuilder().setTemperature(0f))
                .addStopTokenIds(all[stopAt])
                .build());
    assertThat(cut.summary().getFinishReason()).isEqualTo(FinishReason.FINISH_REASON_EOS);
    assertThat(cut.summary().getGeneratedTokens()).isLessThanOrEqualTo(6);
    assertThat(grpc.text()).startsWith(cut.text());
  }

  @Test
  void langchain4j_chat_equalsGrpcGenerate() {
    OpenAiChatModel model =
        OpenAiChatModel.builder()
            .baseUrl(split.baseUrl())
            .apiKey("unused")
            .modelName(MODEL)
            .temperature(0.0)
            .maxTokens(MAX_TOKENS)
            .maxRetries(0)
            .timeout(Duration.ofSeconds(60))
            .build();
    ChatResponse response =
        model.chat(dev.langchain4j.data.message.UserMessage.from(Stories260k.PROMPT));
    assertThat(response.aiMessage().text()).isEqualTo(grpc.text());
    assertThat(response.tokenUsage().inputTokenCount()).isEqualTo(promptTokens);
    assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(MAX_TOKENS);
  }

  @Test
  void langchain4j_streamingChat_equalsGrpcGenerate() throws Exception {
    OpenAiStreamingChatModel model =
        OpenAiStreamingChatModel.builder()
            .baseUrl(split.baseUrl())
            .apiKey("unused")
            .modelName(MODEL)
            .temperature(0.0)
            .maxTokens(MAX_TOKENS)
            .timeout(Duration.ofSeconds(60))
            .build();
    StringBuilder partial = new StringBuilder();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    model.chat(
        Stories260k.PROMPT,
        new StreamingChatResponseHandler() {
          @Override
          public void onPartialResponse(String text) {
            partial.append(text);
          }

          @Override
          public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }
        });
    ChatResponse response = done.get(60, TimeUnit.SECONDS);
    assertThat(partial.toString()).isEqualTo(grpc.text());
    assertThat(response.aiMessage().text()).isEqualTo(grpc.text());
    assertThat(response.tokenUsage().inputTokenCount()).isEqualTo(promptTokens);
    assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(MAX_TOKENS);
  }
}
