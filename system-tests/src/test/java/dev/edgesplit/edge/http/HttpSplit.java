package dev.edgesplit.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.ChainCloudCompute;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.generate.EdgeSlowdown;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.plan.EdgeChains;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.server.energy.StepEnergy;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real cloud worker and edge agent over loopback sockets (port 0) with the HTTP API on, serving
 * compiled stories260K at one cut. With no cloud ({@code cloudless}) the agent points at a closed
 * port.
 */
final class HttpSplit implements AutoCloseable {

  final SegmentChain cloudChain;
  final SegmentChain edgeChain;
  final CloudWorker cloud;
  final ManagedChannel toCloud;
  final EdgeAgent edge;
  final ManagedChannel toEdge;

  HttpSplit(
      CompiledModel compiled,
      Tokenizer tokenizer,
      int cut,
      Map<String, String> edgeSettings,
      StepListener listener,
      boolean cloudless) {
    edgeChain = compiled.openEdge(cut, RuntimeOptions.defaults());
    Map<String, String> edgeOverrides =
        new HashMap<>(
            Map.of(
                "listen.port",
                "0",
                "model.cut",
                String.valueOf(cut),
                "cloud.hidden_dtype",
                "fp32",
                "http.listen",
                "127.0.0.1:0",
                "http.model_name",
                "stories260K"));
    if (cloudless) {
      cloudChain = null;
      cloud = null;
      // A port nothing listens on: every connection is refused.
      toCloud = NettyChannelBuilder.forAddress("127.0.0.1", 1).usePlaintext().build();
      edgeOverrides.put("cloud.target", "127.0.0.1:1");
      edgeOverrides.put("cloud.retry.deadline_ms", "300");
    } else {
      cloudChain = compiled.openCloud(cut, RuntimeOptions.defaults());
      CloudConfig cloudConfig =
          CloudConfig.load(
              null,
              Map.of(),
              Map.of(
                  "listen.port",
                  "0",
                  "model.cut",
                  String.valueOf(cut),
                  "runtime.step_threads",
                  "2"));
      cloud =
          new CloudWorker(
                  cloudConfig,
                  new ChainCloudCompute(cloudChain, compiled.fingerprint()),
                  new EngineSamplerFactory(),
                  StepEnergy.none())
              .start();
      toCloud = NettyChannelBuilder.forAddress("127.0.0.1", cloud.port()).usePlaintext().build();
      edgeOverrides.put("cloud.target", "127.0.0.1:" + cloud.port());
    }
    edgeOverrides.putAll(edgeSettings);
    EdgeConfig config = EdgeConfig.load(null, Map.of(), edgeOverrides);
    edge =
        new EdgeAgent(
                config,
                EdgeChains.fixed(edgeChain, null),
                compiled.fingerprint(),
                tokenizer,
                List.of(toCloud),
                new StepHooks(StepEnergy.none(), listener, EdgeSlowdown.none()))
            .start();
    toEdge = NettyChannelBuilder.forAddress("127.0.0.1", edge.port()).usePlaintext().build();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + edge.httpPort() + "/v1";
  }

  /** The text and summary of a gRPC Generate call. */
  record Result(String text, GenerationSummary summary) {}

  Result generate(GenerateRequest request) {
    StringBuilder text = new StringBuilder();
    GenerationSummary summary = null;
    Iterator<GenerateResponse> it =
        EdgeServiceGrpc.newBlockingStub(toEdge)
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .generate(request);
    while (it.hasNext()) {
      GenerateResponse r = it.next();
      if (r.hasToken()) {
        text.append(r.getToken().getText());
      } else {
        summary = r.getSummary();
      }
    }
    assertThat(summary).isNotNull();
    return new Result(text.toString(), summary);
  }

  @Override
  public void close() throws Exception {
    toEdge.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    edge.close();
    toCloud.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    if (cloud != null) {
      cloud.close();
      cloudChain.close();
    }
    edgeChain.close();
  }
}
