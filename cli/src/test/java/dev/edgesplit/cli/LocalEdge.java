package dev.edgesplit.cli;

import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An edge agent in this JVM with every worker of a {@link WorkerPair} configured, and a client
 * channel to it.
 */
final class LocalEdge implements AutoCloseable {

  /** Builds the agent (not yet started) on the config and the channels to the workers. */
  interface AgentFactory {
    EdgeAgent create(EdgeConfig config, List<Channel> clouds);
  }

  /** Called after each streamed token, e.g. to kill a worker mid-session. */
  interface TokenHook {
    void afterToken(int index) throws Exception;
  }

  /** What one generation streamed: the text of its tokens and its summary (null if none came). */
  record Generated(String text, GenerationSummary summary) {}

  private final AutoCloseable chains;
  private final List<ManagedChannel> clouds = new ArrayList<>();
  private final EdgeAgent agent;
  private final ManagedChannel client;

  /**
   * @param chains the edge's open chains, closed with this edge
   */
  LocalEdge(int cut, List<Integer> ports, AutoCloseable chains, AgentFactory factory) {
    List<String> targets = new ArrayList<>();
    for (int p : ports) {
      targets.add("127.0.0.1:" + p);
      clouds.add(Processes.channel(p));
    }
    EdgeConfig config =
        EdgeConfig.load(
            null,
            Map.of(),
            Processes.loopbackSettings(
                cut,
                "cloud.hidden_dtype",
                "fp32",
                "cloud.target",
                String.join(",", targets),
                "cloud.retry.deadline_ms",
                "60000"));
    this.chains = chains;
    agent = factory.create(config, List.<Channel>copyOf(clouds)).start();
    client = Processes.channel(agent.port());
  }

  /** Streams one generation to its end, calling {@code hook} after every token. */
  Generated generate(GenerateRequest request, long deadlineSeconds, TokenHook hook)
      throws Exception {
    StringBuilder text = new StringBuilder();
    GenerationSummary summary = null;
    Iterator<GenerateResponse> it =
        EdgeServiceGrpc.newBlockingStub(client)
            .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
            .generate(request);
    while (it.hasNext()) {
      GenerateResponse r = it.next();
      if (r.hasToken()) {
        text.append(r.getToken().getText());
        hook.afterToken(r.getToken().getIndex());
      } else {
        summary = r.getSummary();
      }
    }
    return new Generated(text.toString(), summary);
  }

  @Override
  public void close() throws Exception {
    Processes.shutdown(client);
    agent.close();
    for (ManagedChannel c : clouds) {
      Processes.shutdown(c);
    }
    chains.close();
  }
}
