package dev.edgesplit.cli;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.BatchingCloudCompute;
import dev.edgesplit.cloud.compute.ChainCloudCompute;
import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.compute.PerLayerCloudCompute;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.cloud.metrics.BatchMetrics;
import dev.edgesplit.cloud.metrics.CloudEnergyLogListener;
import dev.edgesplit.cloud.metrics.CloudMetrics;
import dev.edgesplit.cloud.metrics.CloudStepListener;
import dev.edgesplit.engine.energy.EnergyLog;
import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.energy.EnergyMeters;
import dev.edgesplit.engine.energy.MeterChoice;
import dev.edgesplit.engine.energy.ProbeOptions;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.partitioner.options.ReturnCut;
import dev.edgesplit.server.energy.MeteredStepEnergy;
import dev.edgesplit.server.metrics.MetricsHttpServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code edgesplit cloud}: serves layers [k,N), the LM head and sampling to edge agents. */
@Command(
    name = "cloud",
    mixinStandardHelpOptions = true,
    description = "Run a cloud worker: layers [k,N), LM head and sampling for many edge sessions.")
final class CloudCommand implements Callable<Integer> {

  @Mixin ServerOptions server;

  @Mixin ModelOptions model;

  @Option(
      names = "--any-cut",
      description =
          "Compile per layer and serve whatever cut each edge asks for "
              + "(edges that re-plan need this).")
  boolean anyCut;

  @Option(
      names = "--return-cut",
      paramLabel = "M",
      description =
          "U-shaped split: run only layers [k,M) and send the hidden states back (the edge keeps the head "
              + "and sampling); compiles per layer like --any-cut. M = N is the plain split.")
  Integer returnCut;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "16",
      description =
          "Sessions whose decode steps run as one batch (KV slots per layer range) for a fixed cut or "
              + "a --return-cut worker; 1 = no batching (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      description = "Serve TLS with this certificate chain (tls.cert).")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "PEM",
      description = "PKCS#8 PEM key of --tls-cert (tls.key).")
  Path tlsKey;

  @Option(
      names = "--tls-client-ca",
      paramLabel = "PEM",
      description =
          "Require edge client certificates signed by this CA: mutual TLS (tls.client_ca).")
  Path tlsClientCa;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Map<String, String> overrides = server.overrides();
    Apps.threadsOverride(spec, model, overrides);
    if (tlsCert != null || tlsKey != null) {
      overrides.put("tls.enabled", "true");
      ServerOptions.put(overrides, "tls.cert", tlsCert);
      ServerOptions.put(overrides, "tls.key", tlsKey);
    }
    ServerOptions.put(overrides, "tls.client_ca", tlsClientCa);
    CloudConfig base = CloudConfig.load(server.config, System.getenv(), overrides);
    CompiledModel compiled =
        Apps.compiledModel(
            spec, model, base.modelDir(), anyCut || returnCut != null ? null : base.cut());
    ReturnCut.check(spec, base.cut(), returnCut, compiled.config().nLayers());
    overrides.put("model.dir", compiled.directory().toString());
    // A single-cut build and a U worker batch; a plain per-layer (--any-cut) worker runs each
    // session's step on its own (docs/batching.md).
    boolean batching = batch > 1 && (compiled.manifest().cut() != null || returnCut != null);
    if (batching) {
      // Step threads block while their step waits for its batch: enough of them to fill one.
      overrides.putIfAbsent(
          "runtime.step_threads",
          String.valueOf(Math.max(base.runtime().stepThreads(), batch + 2)));
    }
    CloudConfig cfg = CloudConfig.load(server.config, System.getenv(), overrides);
    RuntimeOptions runtime =
        new RuntimeOptions(cfg.runtime().intraOpThreads(), cfg.runtime().maxContext());
    AtomicReference<CloudWorker> running = new AtomicReference<>();
    MeterChoice meterChoice = EnergyMeters.probe(Path.of("/sys"), ProbeOptions.defaults());
    try (EnergyMeter meter = meterChoice.meter();
        AutoCloseable compute =
            batching
                ? BatchingCloudCompute.forModel(
                    compiled,
                    runtime,
                    cfg.cut(),
                    returnCut == null ? compiled.config().nLayers() : returnCut,
                    batch)
                : compiled.manifest().cut() == null
                    ? new PerLayerCloudCompute(compiled, runtime, cfg.cut())
                    : new ChainCloudCompute.Owning(
                        compiled.openCloud(cfg.cut(), runtime), compiled.fingerprint())) {
      CloudMetrics metrics =
          new CloudMetrics(
              cfg::cut,
              () ->
                  running.get() == null || running.get().sessions() == null
                      ? 0
                      : running.get().sessions().activeSessions(),
              () ->
                  running.get() == null || running.get().sessions() == null
                      ? 0
                      : running.get().sessions().reservedBytes(),
              Optional.of(meter));
      if (compute instanceof BatchingCloudCompute batcher) {
        BatchMetrics.bindTo(metrics.registry(), batcher);
      }
      CloudStepListener listener =
          CloudStepListener.all(
              List.of(metrics, new CloudEnergyLogListener(new EnergyLog(), cfg.logTokens())));
      try (CloudWorker worker =
              new CloudWorker(
                  cfg,
                  (CloudCompute) compute,
                  new EngineSamplerFactory(),
                  new MeteredStepEnergy(meter),
                  listener);
          AutoCloseable http =
              Apps.closeable(
                  MetricsHttpServer.startIfEnabled(cfg.metricsListen(), metrics::scrape))) {
        running.set(worker);
        worker.start();
        Apps.closeOnShutdown(worker);
        serve(worker, cfg, compiled, meter, batching ? "batches of up to " + batch : "no batching");
      }
    }
    return 0;
  }

  private void serve(
      CloudWorker worker,
      CloudConfig cfg,
      CompiledModel compiled,
      EnergyMeter meter,
      String batching)
      throws InterruptedException {
    spec.commandLine()
        .getOut()
        .printf(
            "cloud worker serving layers [%d,%d) + head of %s on %s:%d (%s)%n",
            cfg.cut(),
            compiled.config().nLayers(),
            compiled.config().architecture(),
            cfg.listen().host(),
            worker.port(),
            batching);
    spec.commandLine()
        .getOut()
        .printf(
            "energy: %s; metrics: %s; health-only listener: %s%n",
            meter.source().label(),
            cfg.metricsListen(),
            worker.healthPort() < 0
                ? "off"
                : cfg.healthListen().replaceAll(":\\d+$", "") + ":" + worker.healthPort());
    spec.commandLine().getOut().flush();
    worker.blockUntilShutdown();
  }
}
