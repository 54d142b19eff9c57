package dev.edgesplit.systest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.TokenEvent;
import io.grpc.Channel;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/** What one Generate stream delivered: the text of its tokens and its summary. */
public record Generated(String text, GenerationSummary summary) {

  /** Streams one generation from the edge agent behind {@code edge} (60 s deadline). */
  public static Generated generate(Channel edge, GenerateRequest request) {
    return generate(edge, request, index -> {});
  }

  /**
   * Streams one generation, calling {@code onToken} with each token's index as it arrives, and
   * checks the stream's shape: tokens, then exactly one summary, then nothing.
   */
  public static Generated generate(Channel edge, GenerateRequest request, IntConsumer onToken) {
    return stream(edge, request, token -> onToken.accept(token.getIndex()));
  }

  /**
   * Streams one generation, calling {@code onToken} with each token event as it arrives, and checks
   * the stream's shape: tokens, then exactly one summary, then nothing.
   */
  public static Generated stream(
      Channel edge, GenerateRequest request, Consumer<TokenEvent> onToken) {
    StringBuilder text = new StringBuilder();
    GenerationSummary summary = null;
    Iterator<GenerateResponse> it =
        EdgeServiceGrpc.newBlockingStub(edge)
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .generate(request);
    while (it.hasNext()) {
      GenerateResponse r = it.next();
      assertThat(summary).as("nothing may follow the summary").isNull();
      if (r.hasToken()) {
        text.append(r.getToken().getText());
        onToken.accept(r.getToken());
      } else {
        summary = r.getSummary();
      }
    }
    assertThat(summary).as("summary").isNotNull();
    return new Generated(text.toString(), summary);
  }
}
