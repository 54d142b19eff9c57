package dev.edgesplit.partitioner.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticVocabularyTest {

  @Test
  void isALlama2cTokenizer_theEngineLoads_withTheModelsVocabulary(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("tokenizer.bin");
    Files.write(file, SyntheticVocabulary.llama2c(1000));
    Tokenizer t = Tokenizers.load(file, 1000);
    assertThat(t.vocabSize()).isEqualTo(1000);
    assertThat(t.bos()).isEqualTo(1);
    assertThat(t.eos()).isEqualTo(2);
    assertThat(t.decode(500, 999)).isEqualTo(" <t999>");
    int[] ids = t.encode("Once upon a time, café", true);
    Tokenizer.StreamDecoder decoder = t.newDecoder();
    StringBuilder text = new StringBuilder();
    for (int id : ids) {
      text.append(decoder.next(id));
    }
    assertThat(text.append(decoder.flush()).toString()).isEqualTo("Once upon a time, café");
  }
}
