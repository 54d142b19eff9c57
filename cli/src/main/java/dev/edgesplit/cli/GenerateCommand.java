package dev.edgesplit.cli;

import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.GenerationSummary;
import dev.edgesplit.proto.v1.SamplingParams;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code edgesplit generate}: a gRPC client of an edge agent's Generate. */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Call Generate on an edge agent and stream the text.")
final class GenerateCommand implements Callable<Integer> {

  @Option(names = "--target", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:50051",
      description = "Edge agent (default: ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--deadline-seconds", defaultValue = "300", description = "Deadline of the whole call.")
  long deadlineSeconds;

  @Mixin SamplingOptions sampling;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    HostPort hp = HostPort.parse(target);
    ManagedChannel channel = NettyChannelBuilder.forAddress(hp.host(), hp.port()).usePlaintext().build();
    try {
      return run(channel, sampling, deadlineSeconds, spec.commandLine().getOut(), spec.commandLine().getErr());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Streams one generation to {@code out} and its summary to {@code err}; 0 on success. */
  static int run(ManagedChannel channel, SamplingOptions sampling, long deadlineSeconds, PrintWriter out,
      PrintWriter err) {
    GenerateRequest request = GenerateRequest.newBuilder()
        .setText(sampling.prompt)
        .setMaxNewTokens(sampling.maxTokens)
        .setSampling(SamplingParams.newBuilder().setTemperature(sampling.temperature).setTopK(sampling.topK)
            .setTopP(sampling.topP).setSeed(sampling.seed))
        .addAllStop(sampling.stop)
        .build();
    GenerationSummary summary = null;
    try {
      Iterator<GenerateResponse> it = EdgeServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS).generate(request);
      out.print(sampling.prompt);
      while (it.hasNext()) {
        GenerateResponse r = it.next();
        if (r.hasToken()) {
          out.print(r.getToken().getText());
          out.flush();
        } else if (r.hasSummary()) {
          summary = r.getSummary();
        }
      }
      out.println();
      out.flush();
    } catch (StatusRuntimeException e) {
      out.println();
      out.flush();
      err.printf("edgesplit: Generate failed: %s: %s%n", e.getStatus().getCode(), e.getStatus().getDescription());
      return 2;
    }
    if (summary != null) {
      err.print(SummaryFormat.format(summary));
      err.flush();
    }
    return 0;
  }
}
