package dev.edgesplit.edge.generate;

import io.grpc.Status;
import java.time.Duration;
import java.util.Objects;

/**
 * How one Generate call ended, for the access log and the request metrics. Never holds the prompt
 * or the text.
 *
 * @param status the call's final status code
 * @param client the caller's identity (principal or peer address), or "-" when unknown
 * @param duration from the call's start to its close
 * @param generatedTokens token events sent to the client
 * @param recoveries times the generation moved to another cloud session (0 without a summary)
 * @param finishedLocally true when the generation finished on the board's local fallback
 */
public record RequestOutcome(
    Status.Code status,
    String client,
    Duration duration,
    int generatedTokens,
    int recoveries,
    boolean finishedLocally) {

  public RequestOutcome {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(duration, "duration");
  }
}
