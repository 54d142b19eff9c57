package dev.edgesplit.edge.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokensTest {

  @TempDir Path dir;

  @Test
  void namedAndBareTokens_mapToTheirPrincipals_andAnythingElseToNone() throws Exception {
    Path f = dir.resolve("tokens");
    Files.writeString(f, "# comment\n\nalice 0123456789abcdef0123\n  fedcba9876543210fedc  \n");
    BearerTokens tokens = BearerTokens.load(f);
    assertThat(tokens.size()).isEqualTo(2);
    assertThat(tokens.principalOf("0123456789abcdef0123")).contains("alice");
    assertThat(tokens.principalOf("fedcba9876543210fedc")).contains("token-4");
    assertThat(tokens.principalOf("0123456789abcdef012")).isEmpty();
    assertThat(tokens.principalOf("0123456789abcdef01234")).isEmpty();
    assertThat(tokens.principalOf("")).isEmpty();
    assertThat(tokens.toString()).doesNotContain("0123456789abcdef0123");
  }

  @Test
  void badFiles_nameFileAndLine_butNeverTheToken() throws Exception {
    Path f = dir.resolve("tokens");
    Files.writeString(f, "alice shortSecret1\n");
    assertThatThrownBy(() -> BearerTokens.load(f))
        .hasMessageContaining("line 1")
        .hasMessageContaining(f.toString())
        .hasMessageNotContaining("shortSecret1");
    Files.writeString(f, "a b 0123456789abcdef0123\n");
    assertThatThrownBy(() -> BearerTokens.load(f))
        .hasMessageContaining("line 1")
        .hasMessageNotContaining("0123456789abcdef0123");
    Files.writeString(f, "a 0123456789abcdef0123\na 1123456789abcdef0123\n");
    assertThatThrownBy(() -> BearerTokens.load(f))
        .hasMessageContaining("appears twice")
        .hasMessageNotContaining("123456789abcdef0123");
    Files.writeString(f, "# nothing\n");
    assertThatThrownBy(() -> BearerTokens.load(f)).hasMessageContaining("no tokens");
    assertThatThrownBy(() -> BearerTokens.load(dir.resolve("absent")))
        .hasMessageContaining("cannot read");
  }
}
