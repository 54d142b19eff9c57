package dev.edgesplit.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.edgesplit.testkit.SharedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizersTest {

  @Test
  void load_picksLlama2cForBinFilesAndFolders(@TempDir Path dir) throws Exception {
    Path tok512 = SharedModels.require("stories260K/tok512.bin");
    assertThat(Tokenizers.load(tok512)).isInstanceOf(Llama2cTokenizer.class);
    assertThat(Tokenizers.load(tok512.getParent()))
        .isInstanceOf(Llama2cTokenizer.class); // single tok*.bin
    assertThat(Tokenizers.load(tok512, 512).vocabSize()).isEqualTo(512);
    Path renamed = dir.resolve("vocab.dat");
    Files.copy(tok512, renamed);
    assertThat(Tokenizers.load(renamed)).isInstanceOf(Llama2cTokenizer.class); // sniffed: no '{'
  }

  @Test
  void load_picksHuggingFaceForJsonFilesAndFolders(@TempDir Path dir) throws Exception {
    Path fixture =
        Path.of(
            TokenizersTest.class
                .getResource("/tokenizers/sentencepiece-llama/tokenizer.json")
                .toURI());
    assertThat(Tokenizers.load(fixture)).isInstanceOf(HfTokenizer.class);
    assertThat(Tokenizers.load(fixture.getParent())).isInstanceOf(HfTokenizer.class);
    Path renamed = dir.resolve("tokenizer.model-json");
    Files.copy(fixture, renamed);
    assertThat(Tokenizers.load(renamed).encode("hello world", false))
        .containsExactly(259, 280, 296, 262, 304);
  }

  @Test
  void load_rejectsMissingFilesAndTooSmallModels(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> Tokenizers.load(dir))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("no tokenizer.json or tokenizer.bin");
    assertThatThrownBy(() -> Tokenizers.load(dir.resolve("nope.json")))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("does not exist");
    Path fixture =
        Path.of(
            TokenizersTest.class.getResource("/tokenizers/bytelevel-qwen2/tokenizer.json").toURI());
    assertThatThrownBy(() -> Tokenizers.load(fixture, 100))
        .isInstanceOf(TokenizerException.class)
        .hasMessageContaining("has 277 ids but the model only 100");
  }
}
