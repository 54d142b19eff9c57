package dev.edgesplit.edge.speculate;

import dev.edgesplit.proto.v1.DraftSource;
import java.util.Locale;

/** The names of {@link DraftSource} in configuration and on the command line. */
public final class DraftSources {

  private DraftSources() {}

  /** Parses none, ngram, model or early-exit. */
  public static DraftSource parse(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "none":
        return DraftSource.DRAFT_SOURCE_NONE;
      case "ngram":
        return DraftSource.DRAFT_SOURCE_NGRAM;
      case "model":
        return DraftSource.DRAFT_SOURCE_MODEL;
      case "early-exit":
        return DraftSource.DRAFT_SOURCE_EARLY_EXIT;
      default:
        throw new IllegalArgumentException(
            "draft source must be none, ngram, model or early-exit, got '" + text + "'");
    }
  }

  /** The name {@link #parse} reads. */
  public static String name(DraftSource source) {
    switch (source) {
      case DRAFT_SOURCE_NGRAM:
        return "ngram";
      case DRAFT_SOURCE_MODEL:
        return "model";
      case DRAFT_SOURCE_EARLY_EXIT:
        return "early-exit";
      default:
        return "none";
    }
  }
}
