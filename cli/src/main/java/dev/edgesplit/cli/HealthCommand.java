package dev.edgesplit.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code edgesplit health}: exit 0 when the server's gRPC health service says SERVING (for probes).
 */
@Command(
    name = "health",
    mixinStandardHelpOptions = true,
    description = "Check a server's gRPC health service; exit 0 when SERVING, 1 otherwise.")
final class HealthCommand implements Callable<Integer> {

  @Option(
      names = "--target",
      paramLabel = "HOST:PORT",
      required = true,
      description = "Server address.")
  String target;

  @Option(
      names = "--service",
      defaultValue = "",
      description = "Service name; empty = the whole server.")
  String service;

  @Option(names = "--timeout-ms", defaultValue = "2000", description = "Deadline of the check.")
  long timeoutMs;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    HostPort hp = HostPort.parse(target);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(hp.host(), hp.port()).usePlaintext().build();
    try {
      HealthCheckResponse.ServingStatus status = check(channel, service, timeoutMs);
      spec.commandLine().getOut().println(status);
      return status == HealthCheckResponse.ServingStatus.SERVING ? 0 : 1;
    } catch (StatusRuntimeException e) {
      spec.commandLine()
          .getErr()
          .printf(
              "edgesplit: health check of %s failed: %s%n",
              hp, GenerateCommand.describe(e.getStatus(), hp.toString()));
      return 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  static HealthCheckResponse.ServingStatus check(
      ManagedChannel channel, String service, long timeoutMs) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }
}
