package dev.edgesplit.edge.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.systest.LoopbackAgent;
import dev.edgesplit.systest.LoopbackWorker;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Both servers answer server reflection in v1 and in the older v1alpha that many clients still
 * speak.
 */
class ReflectionTest {

  @Test
  void edgeAndWorker_listTheirServices_overReflectionV1AndV1alpha() throws Exception {
    try (LoopbackWorker worker = LoopbackWorker.at(2).start();
        LoopbackAgent edge = LoopbackAgent.at(2).clouds(List.of(worker.port())).start()) {
      ManagedChannel cloud = LoopbackAgent.channel(worker.port());
      try {
        assertThat(v1alpha(edge.client()))
            .contains("edgesplit.v1.EdgeService", "grpc.health.v1.Health");
        assertThat(v1(edge.client())).contains("edgesplit.v1.EdgeService");
        assertThat(v1alpha(cloud)).contains("edgesplit.v1.CloudService");
        assertThat(v1(cloud)).contains("edgesplit.v1.CloudService");
      } finally {
        cloud.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @SuppressWarnings("deprecation")
  private static List<String> v1alpha(ManagedChannel channel) throws Exception {
    CompletableFuture<List<String>> services = new CompletableFuture<>();
    StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> requests =
        io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(io.grpc.reflection.v1alpha.ServerReflectionResponse r) {
                    services.complete(
                        r.getListServicesResponse().getServiceList().stream()
                            .map(io.grpc.reflection.v1alpha.ServiceResponse::getName)
                            .toList());
                  }

                  @Override
                  public void onError(Throwable t) {
                    services.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(
        io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
            .setListServices("*")
            .build());
    requests.onCompleted();
    return services.get(10, TimeUnit.SECONDS);
  }

  private static List<String> v1(ManagedChannel channel) throws Exception {
    CompletableFuture<List<String>> services = new CompletableFuture<>();
    StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> requests =
        io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
                    services.complete(
                        r.getListServicesResponse().getServiceList().stream()
                            .map(io.grpc.reflection.v1.ServiceResponse::getName)
                            .toList());
                  }

                  @Override
                  public void onError(Throwable t) {
                    services.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(
        io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("*").build());
    requests.onCompleted();
    return services.get(10, TimeUnit.SECONDS);
  }
}
