package dev.edgesplit.testkit;

/** The reference every split of stories260K must reproduce (DESIGN.md section 5). */
public final class Stories260k {

  /** The prompt of the reference run. */
  public static final String PROMPT = "Once upon a time";

  /**
   * karpathy/llama2.c run.c, stories260K, {@code -t 0 -n 100 -i "Once upon a time"}: prompt and
   * continuation.
   */
  public static final String REFERENCE =
      "Once upon a time, there was a little girl named Lily. She loved to play "
          + "outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\n"
          + "Lily's mom said, \"Lily, let's go to the park.\" Lily was sad and didn't know w";

  private Stories260k() {}
}
