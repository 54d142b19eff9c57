package dev.edgesplit.partitioner.hub;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model on the Hugging Face Hub as {@code --model} names it: {@code
 * hf:ORG/NAME[@REVISION][/FILE.gguf]}.
 *
 * @param repo {@code ORG/NAME}
 * @param revision branch, tag or commit hash ({@code main} when not given)
 * @param file a single GGUF file of the repository to fetch instead of the safetensors model, if
 *     named
 */
public record HubModelId(String repo, String revision, Optional<String> file) {

  /** The prefix that marks a Hub model in {@code --model}. */
  public static final String PREFIX = "hf:";

  private static final String PART = "[A-Za-z0-9][A-Za-z0-9._-]{0,95}";
  private static final Pattern FORM =
      Pattern.compile(
          "("
              + PART
              + "/"
              + PART
              + ")(?:@([A-Za-z0-9][A-Za-z0-9._/-]{0,199}?))?(?:/((?:"
              + PART
              + "/)*"
              + PART
              + "\\.gguf))?");

  public HubModelId {
    if (!FORM.matcher(repo + (file.isPresent() ? "/" + file.get() : "")).matches()) {
      throw new IllegalArgumentException("bad Hub model '" + repo + "'");
    }
    if (revision.isEmpty() || revision.contains("..")) {
      throw new IllegalArgumentException("bad Hub revision '" + revision + "'");
    }
  }

  /** True when {@code model} uses the {@code hf:} form. */
  public static boolean isHub(String model) {
    return model.startsWith(PREFIX);
  }

  /** Parses {@code hf:ORG/NAME[@REVISION][/FILE.gguf]}. */
  public static HubModelId parse(String model) {
    if (!isHub(model)) {
      throw new IllegalArgumentException(
          "not a Hub model: '" + model + "' (expected " + PREFIX + "ORG/NAME)");
    }
    Matcher m = FORM.matcher(model.substring(PREFIX.length()));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "bad Hub model '" + model + "': expected hf:ORG/NAME[@REVISION]" + "[/FILE.gguf]");
    }
    return new HubModelId(
        m.group(1), m.group(2) == null ? "main" : m.group(2), Optional.ofNullable(m.group(3)));
  }

  /** True when {@code revision} is a full commit hash (then no ref needs resolving). */
  public boolean pinned() {
    return revision.matches("[0-9a-f]{40}");
  }

  @Override
  public String toString() {
    return PREFIX
        + repo
        + (revision.equals("main") ? "" : "@" + revision)
        + file.map(f -> "/" + f).orElse("");
  }
}
