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
            + "  cut               edge runs embedding + layers [0,%d)%n"
            + "  link              %.0f bytes sent per token%n"
            + "  per decode token  edge %.2f ms + link %.2f ms + cloud %.2f ms%n"
            + "%s"
            + "  edge energy       %s%n"
            + "  cloud energy      %s%n",
        s.getFinishReason().name().replace("FINISH_REASON_", "").toLowerCase(java.util.Locale.ROOT),
        s.getPromptTokens(), s.getGeneratedTokens(), s.getTokensPerSecond(), s.getTimeToFirstTokenMs(),
        s.getCut(), s.getBytesSentPerToken(), s.getEdgeMsPerToken(), s.getLinkMsPerToken(), s.getCloudMsPerToken(),
        speculation(s),
        joules(s.getEdgeJoulesPerToken(), s.getEdgeEnergySource()),
        joules(s.getCloudJoulesPerToken(), s.getCloudEnergySource()));
  }

  /** Round trips and what drafting bought; empty for a summary without round trips (an older agent). */
  private static String speculation(GenerationSummary s) {
    if (s.getRoundTrips() == 0) {
      return "";
    }
    String source = dev.edgesplit.edge.speculate.DraftSources.name(s.getDraftSource());
    return String.format("  round trips       %d, %.2f tokens per round trip (drafts: %s%s)%n", s.getRoundTrips(),
        s.getTokensPerRoundTrip(), source, s.getDraftSource() == dev.edgesplit.proto.v1.DraftSource.DRAFT_SOURCE_NONE
            || s.getDraftSource() == dev.edgesplit.proto.v1.DraftSource.DRAFT_SOURCE_UNSPECIFIED ? ""
            : String.format(", %.0f%% accepted, %.3f ms drafting per token", 100 * s.getAcceptanceRate(),
                s.getDraftMsPerToken()));
  }

  private static String joules(double perToken, EnergySource source) {
    if (source.getKind().isEmpty() || source.getKind().equals("none")) {
      return String.format("%.4f J/token (no energy source)", perToken);
    }
    String how = source.getMeasured() ? "measured by " + source.getKind()
        : source.getKind().equals("estimate") ? "estimated" : "estimated by " + source.getKind();
    return String.format("%.4f J/token, %s%s", perToken, how,
        source.getDescription().isEmpty() ? "" : " (" + source.getDescription() + ")");
  }
}
