package dev.edgesplit.edge.http;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.systest.Generated;
import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import java.util.HashMap;
import java.util.Map;

/**
 * A real cloud worker and edge agent over loopback sockets (port 0) with the HTTP API on, serving
 * compiled stories260K at one cut. With no cloud ({@code cloudless}) the agent points at a closed
 * port.
 */
final class HttpSplit implements AutoCloseable {

  final LoopbackWorker worker;
  final LoopbackAgent agent;
  final CloudWorker cloud;
  final EdgeAgent edge;

  HttpSplit(int cut, Map<String, String> edgeSettings, StepListener listener, boolean cloudless) {
    Map<String, String> settings =
        new HashMap<>(Map.of("http.listen", "127.0.0.1:0", "http.model_name", "stories260K"));
    if (cloudless) {
      worker = null;
      cloud = null;
      settings.put("cloud.retry.deadline_ms", "300");
    } else {
      worker = LoopbackWorker.at(cut).start();
      cloud = worker.server();
    }
    settings.putAll(edgeSettings);
    // Port 1: nothing listens there, every connection is refused.
    agent =
        LoopbackAgent.at(cut)
            .clouds(cloudless ? 1 : worker.port())
            .config(settings)
            .listener(listener)
            .start();
    edge = agent.server();
  }

  String baseUrl() {
    return agent.baseUrl();
  }

  Generated generate(GenerateRequest request) {
    return agent.generate(request);
  }

  @Override
  public void close() throws Exception {
    agent.close();
    if (worker != null) {
      worker.close();
    }
  }
}
