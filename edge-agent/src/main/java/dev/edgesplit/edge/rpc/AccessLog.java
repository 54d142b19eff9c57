package dev.edgesplit.edge.rpc;

import dev.edgesplit.edge.generate.RequestOutcome;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.security.ClientIdentity;
import dev.edgesplit.proto.v1.FinishReason;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per Generate call on the {@value #LOGGER} logger, written when the call closes: status,
 * client identity, duration, prompt and generated tokens, finish reason, cut, cloud recoveries and
 * whether the board finished it. Never the prompt or the text. The same outcome goes to the
 * listener (request metrics). Placed after authentication, so the identity is the authenticated
 * one. Thread-safe.
 */
public final class AccessLog implements ServerInterceptor {

  /** Name of the access logger (route it to its own appender, or silence it, in logback.xml). */
  public static final String LOGGER = "edgesplit.access";

  private final Logger log;
  private final StepListener listener;
  private final LongSupplier nanoTime;

  public AccessLog(StepListener listener, LongSupplier nanoTime) {
    this(LoggerFactory.getLogger(LOGGER), listener, nanoTime);
  }

  AccessLog(Logger log, StepListener listener, LongSupplier nanoTime) {
    this.log = Objects.requireNonNull(log, "log");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = nanoTime.getAsLong();
    ClientIdentity identity = ClientIdentity.current();
    Object peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String client = identity != null ? identity.name() : peer != null ? peer.toString() : "-";
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          private int tokens;
          private GenerationSummary summary;

          @Override
          public void sendMessage(R message) {
            if (message instanceof GenerateResponse) {
              GenerateResponse r = (GenerateResponse) message;
              if (r.hasToken()) {
                tokens++;
              } else if (r.hasSummary()) {
                summary = r.getSummary();
              }
            }
            super.sendMessage(message);
          }

          @Override
          public void close(Status status, Metadata trailers) {
            ended(status, client, start, tokens, summary);
            super.close(status, trailers);
          }
        },
        headers);
  }

  private void ended(
      Status status, String client, long start, int tokens, GenerationSummary summary) {
    Duration took = Duration.ofNanos(nanoTime.getAsLong() - start);
    RequestOutcome outcome =
        new RequestOutcome(
            status.getCode(),
            client,
            took,
            tokens,
            summary == null ? 0 : summary.getCloudRecoveries(),
            summary != null && summary.getFinishedLocally());
    if (log.isInfoEnabled()) {
      StringBuilder line =
          new StringBuilder("Generate status=")
              .append(status.getCode())
              .append(" client=")
              .append(client)
              .append(" duration_ms=")
              .append(took.toMillis())
              .append(" tokens=")
              .append(tokens);
      if (summary != null) {
        line.append(" prompt_tokens=")
            .append(summary.getPromptTokens())
            .append(" finish=")
            .append(finish(summary.getFinishReason()))
            .append(" cut=")
            .append(summary.getCut())
            .append(" recoveries=")
            .append(summary.getCloudRecoveries())
            .append(" local=")
            .append(summary.getFinishedLocally());
      } else if (status.getDescription() != null) {
        // The description is the server's own wording (never the prompt); short enough for one
        // line.
        line.append(" error=\"").append(status.getDescription().replace('"', '\'')).append('"');
      }
      log.info(line.toString());
    }
    listener.requestEnded(outcome);
  }

  private static String finish(FinishReason reason) {
    switch (reason) {
      case FINISH_REASON_EOS:
        return "eos";
      case FINISH_REASON_STOP_STRING:
        return "stop_string";
      case FINISH_REASON_MAX_TOKENS:
        return "max_tokens";
      case FINISH_REASON_CONTEXT_FULL:
        return "context_full";
      default:
        return "unspecified";
    }
  }
}
