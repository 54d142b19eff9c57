package dev.edgesplit.cli;

import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.energy.StepEnergy;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code edgesplit edge}: the board's Generate server running embedding + layers [0,k). */
@Command(name = "edge", mixinStandardHelpOptions = true,
    description = "Run the edge agent: Generate for client apps, embedding + layers [0,k) here, the rest in the cloud.")
final class EdgeCommand implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE", description = "YAML or .properties config file.")
  Path config;

  @Mixin ModelOptions model;

  @Option(names = "--cut", paramLabel = "K", description = "Layer cut (default: model.cut from the config).")
  Integer cut;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Generate address (default 127.0.0.1:50051).")
  String listen;

  @Option(names = "--cloud", paramLabel = "HOST:PORT[,HOST:PORT...]",
      description = "Cloud worker, or workers to fail over between (default 127.0.0.1:50052).")
  String cloud;

  @Option(names = "--fallback", paramLabel = "MODE",
      description = "When no cloud worker is reachable: none (fail) or local (run the cloud layers here).")
  String fallback;

  @Option(names = "--hidden-dtype", paramLabel = "DTYPE", description = "Hidden states on the wire: fp32, fp16, int8.")
  String hiddenDtype;

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
    if (cloud != null) {
      List<String> targets = new ArrayList<>();
      for (String t : cloud.split(",")) {
        targets.add(HostPort.parse(t.trim()).toString());
      }
      overrides.put("cloud.target", String.join(",", targets));
    }
    if (fallback != null) {
      overrides.put("cloud.fallback", fallback);
    }
    if (hiddenDtype != null) {
      overrides.put("cloud.hidden_dtype", hiddenDtype);
    }
    EdgeConfig base = EdgeConfig.load(config, System.getenv(), overrides);
    CompiledModel compiled = Apps.compiledModel(spec, model, base.modelDir(), base.cut());
    overrides.put("model.dir", compiled.directory().toString());
    EdgeConfig cfg = EdgeConfig.load(config, System.getenv(), overrides);
    List<ManagedChannel> channels = new ArrayList<>();
    for (String t : cfg.cloud().targets()) {
      HostPort target = HostPort.parse(t);
      channels.add(NettyChannelBuilder.forAddress(target.host(), target.port()).usePlaintext().build());
    }
    RuntimeOptions runtime = new RuntimeOptions(cfg.runtime().intraOpThreads(), cfg.runtime().maxContext());
    boolean local = cfg.recovery().fallback() == EdgeConfig.Fallback.LOCAL;
    try (SegmentChain chain = compiled.openEdge(cfg.cut(), runtime);
        SegmentChain localCloud = local ? compiled.openCloud(cfg.cut(), runtime) : null;
        EdgeAgent agent = new EdgeAgent(cfg, chain, compiled.fingerprint(),
            Tokenizers.load(compiled.tokenizerFile(), compiled.config().vocabSize()), List.<Channel>copyOf(channels),
            localCloud, StepEnergy.none())) {
      agent.start();
      Apps.closeOnShutdown(agent);
      spec.commandLine().getOut().printf("edge agent running embedding + layers [0,%d) of %s on %s:%d, cloud %s%s%n",
          cfg.cut(), compiled.config().architecture(), cfg.listen().host(), agent.port(),
          String.join(",", cfg.cloud().targets()), local ? " (local fallback)" : "");
      spec.commandLine().getOut().flush();
      agent.blockUntilShutdown();
    } finally {
      for (ManagedChannel channel : channels) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    return 0;
  }
}
