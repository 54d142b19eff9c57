package dev.edgesplit.cli;

import dev.edgesplit.cloud.CloudWorker;
import dev.edgesplit.cloud.compute.ChainCloudCompute;
import dev.edgesplit.cloud.compute.EngineSamplerFactory;
import dev.edgesplit.cloud.config.CloudConfig;
import dev.edgesplit.cloud.energy.StepEnergy;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code edgesplit cloud}: serves layers [k,N), the LM head and sampling to edge agents. */
@Command(name = "cloud", mixinStandardHelpOptions = true,
    description = "Run a cloud worker: layers [k,N), LM head and sampling for many edge sessions.")
final class CloudCommand implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE", description = "YAML or .properties config file.")
  Path config;

  @Mixin ModelOptions model;

  @Option(names = "--cut", paramLabel = "K", description = "Layer cut (default: model.cut from the config).")
  Integer cut;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Listen address (default 127.0.0.1:50052).")
  String listen;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Map<String, String> overrides = new HashMap<>();
    if (cut != null) {
      overrides.put("model.cut", String.valueOf(cut));
    }
    if (listen != null) {
      HostPort hp = HostPort.parse(listen);
      overrides.put("listen.host", hp.host());
      overrides.put("listen.port", String.valueOf(hp.port()));
    }
    CloudConfig base = CloudConfig.load(config, System.getenv(), overrides);
    CompiledModel compiled = Apps.compiledModel(spec, model, base.modelDir(), base.cut());
    overrides.put("model.dir", compiled.directory().toString());
    CloudConfig cfg = CloudConfig.load(config, System.getenv(), overrides);
    try (SegmentChain chain = compiled.openCloud(cfg.cut(),
            new RuntimeOptions(cfg.runtime().intraOpThreads(), cfg.runtime().maxContext()));
        CloudWorker worker = new CloudWorker(cfg, new ChainCloudCompute(chain, compiled.fingerprint()),
            new EngineSamplerFactory(), StepEnergy.none())) {
      worker.start();
      Apps.closeOnShutdown(worker);
      spec.commandLine().getOut().printf("cloud worker serving layers [%d,%d) + head of %s on %s:%d%n", cfg.cut(),
          compiled.config().nLayers(), compiled.config().architecture(), cfg.listen().host(), worker.port());
      spec.commandLine().getOut().flush();
      worker.blockUntilShutdown();
    }
    return 0;
  }
}
