package dev.edgesplit.edge.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.edgesplit.edge.error.StatusMapper;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.TokenizerException;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.TokenIds;
import dev.edgesplit.testkit.SharedModels;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {

  /**
   * The real stories260K tokenizer, except that it cannot encode text (like a vocabulary without "
   * ").
   */
  private static Tokenizer textless() {
    Tokenizer real = Tokenizers.load(SharedModels.require("stories260K/tok512.bin"));
    return new Tokenizer() {
      @Override
      public int[] encode(String text, boolean bos) {
        throw new TokenizerException(
            "tok.bin: has no \" \" token for the dummy prefix; cannot encode text");
      }

      @Override
      public String decode(int previous, int token) {
        return real.decode(previous, token);
      }

      @Override
      public StreamDecoder newDecoder(int previous) {
        return real.newDecoder(previous);
      }

      @Override
      public int bos() {
        return real.bos();
      }

      @Override
      public int eos() {
        return real.eos();
      }

      @Override
      public int vocabSize() {
        return real.vocabSize();
      }
    };
  }

  @Test
  void textPrompt_forATokenizerThatCannotEncode_isFailedPreconditionNamingTheWayOut() {
    RequestValidator validator = new RequestValidator(textless());
    Throwable failure =
        catchThrowable(
            () ->
                validator.validate(
                    GenerateRequest.newBuilder()
                        .setText("Once upon a time")
                        .setMaxNewTokens(4)
                        .build(),
                    512));

    Status status = StatusMapper.toStatus(failure);
    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).contains("cannot encode text").contains("token_ids");
  }

  @Test
  void tokenIdPrompt_forTheSameTokenizer_isAccepted() {
    RequestValidator validator = new RequestValidator(textless());
    ValidRequest valid =
        validator.validate(
            GenerateRequest.newBuilder()
                .setTokenIds(TokenIds.newBuilder().addIds(1).addIds(400).addIds(401))
                .setMaxNewTokens(4)
                .build(),
            512);

    assertThat(valid.prompt()).containsExactly(1, 400, 401);
  }
}
