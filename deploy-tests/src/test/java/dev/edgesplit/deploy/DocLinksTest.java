package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README stays a short user's guide and every relative link of it and of {@code docs/}
 * resolves: to a file or folder of the repository and, with {@code #anchor}, to a heading of the
 * linked Markdown file (GitHub's slugs).
 */
class DocLinksTest {

  private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING =
      Pattern.compile("^#{1,6}\\s+(.+?)\\s*$", Pattern.MULTILINE);

  @Test
  void readme_isAShortGuide_withTheTwoCommandsFirst() throws IOException {
    List<String> lines = Files.readAllLines(Repo.file("README.md"));
    assertThat(lines).hasSizeLessThan(150);
    String text = String.join("\n", lines);
    int firstSection = text.indexOf("\n## ");
    assertThat(text.substring(firstSection)).startsWith("\n## The two commands");
    assertThat(text).contains("./edgesplit demo", "mvn -B verify");
  }

  @Test
  void everyRelativeLink_ofTheReadmeAndDocs_resolves() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(Repo.file("README.md")));
    try (Stream<Path> docs = Files.list(Repo.file("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    assertThat(pages).hasSizeGreaterThan(5);
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path page : pages) {
      Matcher m = LINK.matcher(Files.readString(page));
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("^[a-z]+:.*")) {
          continue; // https:, mailto:: not this test's business (no network here)
        }
        checked++;
        String problem = problem(page, target);
        if (problem != null) {
          broken.add(Repo.root().relativize(page) + ": (" + target + ") " + problem);
        }
      }
    }
    assertThat(checked).isGreaterThan(20);
    assertThat(broken).isEmpty();
  }

  @Test
  void brokenLinks_areFound() throws IOException {
    Path readme = Repo.file("README.md");
    assertThat(problem(readme, "docs/no-such-page.md")).contains("no such file");
    assertThat(problem(readme, "docs/architecture.md#no-such-heading")).contains("no heading");
    assertThat(problem(readme, "docs/architecture.md#how-the-segments-are-built")).isNull();
  }

  /** Null when {@code target}, linked from {@code page}, resolves; else what is wrong. */
  private static String problem(Path page, String target) throws IOException {
    int hash = target.indexOf('#');
    String path = hash < 0 ? target : target.substring(0, hash);
    Path file = path.isEmpty() ? page : page.getParent().resolve(path).normalize();
    if (!Files.exists(file)) {
      return "no such file";
    }
    if (hash < 0 || !file.toString().endsWith(".md")) {
      return null;
    }
    String anchor = target.substring(hash + 1);
    Matcher h = HEADING.matcher(Files.readString(file));
    while (h.find()) {
      if (slug(h.group(1)).equals(anchor)) {
        return null;
      }
    }
    return "no heading #" + anchor;
  }

  /** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
  static String slug(String heading) {
    return heading.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
  }
}
