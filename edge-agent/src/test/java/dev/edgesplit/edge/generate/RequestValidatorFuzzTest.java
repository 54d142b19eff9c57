package dev.edgesplit.edge.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.edgesplit.edge.error.EdgeException;
import dev.edgesplit.edge.error.StatusMapper;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.SamplingParams;
import dev.edgesplit.proto.v1.TokenIds;
import dev.edgesplit.testkit.SharedModels;
import io.grpc.Status;

/**
 * The Generate request path before any model work, with the real stories260K tokenizer: arbitrary
 * requests (structured, and raw wire bytes) either fail with a typed edge exception that maps to a
 * client-error status, or yield a prompt of in-vocabulary ids that, with max_new_tokens, fits the
 * context and the operator's limits. Tokenizing and decoding arbitrary text must not throw. `mvn
 * test` replays the seeds in {@code RequestValidatorFuzzTestInputs}; FUZZING.md says how to fuzz
 * for real.
 */
class RequestValidatorFuzzTest {

  private static final int CONTEXT = 512;
  private static final int MAX_PROMPT = 300;
  private static final int MAX_NEW = 200;
  private static Tokenizer tokenizer;
  private static RequestValidator limited;
  private static RequestValidator unlimited;

  private static synchronized void init() {
    if (tokenizer == null) {
      tokenizer = Tokenizers.load(SharedModels.require("stories260K/tok512.bin"));
      limited = new RequestValidator(tokenizer, MAX_PROMPT, MAX_NEW);
      unlimited = new RequestValidator(tokenizer);
    }
  }

  @FuzzTest
  void structuredRequest_isRefusedCleanlyOrFits(FuzzedDataProvider data) {
    init();
    boolean useLimits = data.consumeBoolean();
    GenerateRequest.Builder b =
        GenerateRequest.newBuilder()
            .setMaxNewTokens(data.consumeInt())
            .setSampling(
                SamplingParams.newBuilder()
                    .setTemperature(data.consumeFloat())
                    .setTopK(data.consumeInt())
                    .setTopP(data.consumeFloat())
                    .setSeed(data.consumeLong()));
    int stops = data.consumeInt(0, 20);
    for (int i = 0; i < stops; i++) {
      b.addStop(data.consumeString(300));
    }
    if (data.consumeBoolean()) {
      TokenIds.Builder ids = TokenIds.newBuilder();
      int n = data.consumeInt(0, 600);
      for (int i = 0; i < n && data.remainingBytes() > 0; i++) {
        ids.addIds(data.consumeInt());
      }
      b.setTokenIds(ids);
    } else {
      b.setText(data.consumeRemainingAsString());
    }
    check(b.build(), useLimits ? limited : unlimited, useLimits);
  }

  @FuzzTest
  void wireBytes_areRefusedCleanlyOrFit(byte[] wire) {
    init();
    GenerateRequest request;
    try {
      request = GenerateRequest.parseFrom(wire);
    } catch (InvalidProtocolBufferException e) {
      return;
    }
    check(request, limited, true);
  }

  private static void check(GenerateRequest request, RequestValidator validator, boolean limits) {
    ValidRequest valid;
    try {
      valid = validator.validate(request, CONTEXT);
    } catch (EdgeException e) {
      assertThat(StatusMapper.toStatus(e).getCode())
          .isIn(Status.Code.INVALID_ARGUMENT, Status.Code.OUT_OF_RANGE);
      return;
    }
    int[] prompt = valid.prompt();
    assertThat(prompt).isNotEmpty();
    for (int id : prompt) {
      assertThat(id).isBetween(0, tokenizer.vocabSize() - 1);
    }
    assertThat(valid.maxNewTokens()).isPositive();
    assertThat((long) prompt.length + valid.maxNewTokens()).isLessThanOrEqualTo(CONTEXT);
    if (limits) {
      assertThat(prompt.length).isLessThanOrEqualTo(MAX_PROMPT);
      assertThat(valid.maxNewTokens()).isLessThanOrEqualTo(MAX_NEW);
    }
    assertThat(valid.sampling().getTopP()).isBetween(0f, 1f);
    // What the edge will stream back must decode without failing.
    assertThat(tokenizer.decode(prompt)).isNotNull();
  }
}
