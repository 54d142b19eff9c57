package dev.edgesplit.cli;

import dev.edgesplit.proto.v1.EnergySource;
import dev.edgesplit.proto.v1.GenerationSummary;

/** A Generate summary as a few aligned lines for people. */
final class SummaryFormat {

  private SummaryFormat() {}

  static String format(GenerationSummary s) {
    return String.format(
        "--- summary%n"
            + "  finish            %s%n"
            + "  tokens            %d prompt + %d generated%n"
            + "  speed             %.1f tokens/s, first token after %.1f ms%n"
            + "  cut               edge runs embedding + layers [0,%d)%s%n"
            + "  link              %.0f bytes sent per token%s%n"
            + "  cloud sees        %s%n"
            + "  per decode token  edge %.2f ms + link %.2f ms + cloud %.2f ms%n"
            + "%s"
            + "  edge energy       %s%n"
            + "  cloud energy      %s%n",
        s.getFinishReason().name().replace("FINISH_REASON_", "").toLowerCase(java.util.Locale.ROOT),
        s.getPromptTokens(),
        s.getGeneratedTokens(),
        s.getTokensPerSecond(),
        s.getTimeToFirstTokenMs(),
        s.getCut(),
        s.hasReturnCut() ? " and [" + s.getReturnCut() + ",N) + head (U-shaped)" : "",
        s.getBytesSentPerToken(),
        s.hasReturnCut() ? String.format(", %.0f received", s.getBytesReceivedPerToken()) : "",
        cloudSees(s),
        s.getEdgeMsPerToken(),
        s.getLinkMsPerToken(),
        s.getCloudMsPerToken(),
        speculation(s),
        joules(s.getEdgeJoulesPerToken(), s.getEdgeEnergySource()),
        joules(s.getCloudJoulesPerToken(), s.getCloudEnergySource()));
  }

  /**
   * Round trips and what drafting bought; empty for a summary without round trips (an older agent).
   */
  private static String speculation(GenerationSummary s) {
    if (s.getRoundTrips() == 0) {
      return "";
    }
    String source = dev.edgesplit.edge.speculate.DraftSources.name(s.getDraftSource());
    return String.format(
        "  round trips       %d, %.2f tokens per round trip (drafts: %s%s)%n",
        s.getRoundTrips(),
        s.getTokensPerRoundTrip(),
        source,
        s.getDraftSource() == dev.edgesplit.proto.v1.DraftSource.DRAFT_SOURCE_NONE
                || s.getDraftSource() == dev.edgesplit.proto.v1.DraftSource.DRAFT_SOURCE_UNSPECIFIED
            ? ""
            : String.format(
                ", %.0f%% accepted, %.3f ms and ~%.2g J drafting per token, estimated",
                100 * s.getAcceptanceRate(), s.getDraftMsPerToken(), s.getDraftJoulesPerToken()));
  }

  /**
   * What the cloud could read in this generation's shape (docs/privacy.md has the audit's numbers).
   */
  static String cloudSees(GenerationSummary s) {
    if (s.getFinishedLocally()) {
      return "part of the run: nothing (finished on the board)";
    }
    if (s.getCut() == 0) {
      return s.hasReturnCut()
          ? "the prompt and generated token ids (cut 0), no logits or sampling"
          : "the prompt token ids and every generated token";
    }
    return s.hasReturnCut()
        ? "hidden states only (no token id, logit or text), from which an operator with the weights recovers "
            + "most tokens: run `edgesplit privacy`"
        : "hidden states, from which an operator with the weights recovers most prompt tokens "
            + "(`edgesplit privacy`), and every generated token (it samples them)";
  }

  private static String joules(double perToken, EnergySource source) {
    if (source.getKind().isEmpty() || source.getKind().equals("none")) {
      return String.format("%.4f J/token (no energy source)", perToken);
    }
    String how =
        source.getMeasured()
            ? "measured by " + source.getKind()
            : source.getKind().equals("estimate")
                ? "estimated"
                : "estimated by " + source.getKind();
    return String.format(
        "%.4f J/token, %s%s",
        perToken,
        how,
        source.getDescription().isEmpty() ? "" : " (" + source.getDescription() + ")");
  }
}
