package dev.edgesplit.edge.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {

  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-9876543210ab";

  private final AtomicLong now = new AtomicLong();

  @Test
  void aChangedFile_isReadAgain_afterTheCheckInterval(@TempDir Path dir) throws Exception {
    Path f = write(dir.resolve("tokens"), "alice " + ALICE + "\n", 1000);
    TokenFile tokens = TokenFile.open(f, Duration.ofSeconds(1), now::get);
    assertThat(tokens.principalOf(ALICE)).contains("alice");

    write(f, "bob " + BOB + "\n", 2000);
    assertThat(tokens.principalOf(BOB)).as("not looked at again within the interval").isEmpty();
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(tokens.principalOf(BOB)).contains("bob");
    assertThat(tokens.principalOf(ALICE)).as("revoked").isEmpty();
  }

  @Test
  void aBrokenOrMissingFile_keepsTheTokensReadBefore(@TempDir Path dir) throws Exception {
    Path f = write(dir.resolve("tokens"), "bob " + BOB + "\n", 1000);
    TokenFile tokens = TokenFile.open(f, Duration.ofSeconds(1), now::get);

    write(f, "bob short\n", 2000);
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(tokens.principalOf(BOB)).contains("bob");

    Files.delete(f);
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(tokens.principalOf(BOB)).contains("bob");
    assertThat(tokens.size()).isEqualTo(1);
  }

  @Test
  void aBadFileAtStart_isAnError(@TempDir Path dir) throws Exception {
    Path f = write(dir.resolve("tokens"), "# nothing\n", 1000);
    assertThatThrownBy(() -> TokenFile.open(f)).hasMessageContaining("no tokens");
  }

  /**
   * Writes {@code text} and sets the modification time, so a rewrite within one clock tick still
   * shows.
   */
  private static Path write(Path f, String text, long modifiedMillis) throws Exception {
    Files.writeString(f, text);
    Files.setLastModifiedTime(f, FileTime.fromMillis(modifiedMillis));
    return f;
  }
}
