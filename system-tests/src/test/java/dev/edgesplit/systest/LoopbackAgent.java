package dev.edgesplit.systest;

import dev.edgesplit.edge.EdgeAgent;
import dev.edgesplit.edge.config.EdgeConfig;
import dev.edgesplit.edge.generate.StepHooks;
import dev.edgesplit.edge.generate.StepListener;
import dev.edgesplit.edge.plan.EdgeChains;
import dev.edgesplit.edge.speculate.Speculation;
import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.segment.SegmentChain;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.proto.v1.DraftSource;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.server.energy.StepEnergy;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * A real edge agent on a loopback port with plaintext channels to its cloud workers and a client
 * channel to itself, serving the shared stories260K build. {@code
 * LoopbackAgent.at(2).clouds(worker.port()).start()} is a plain agent for cut 2.
 */
public final class LoopbackAgent implements AutoCloseable {

  private final EdgeAgent agent;
  private final EdgeChains chains;
  private final List<SegmentChain> fixedChains;
  private final List<ManagedChannel> clouds;
  private final ManagedChannel client;

  private LoopbackAgent(
      EdgeAgent agent,
      EdgeChains chains,
      List<SegmentChain> fixedChains,
      List<ManagedChannel> clouds) {
    this.agent = agent;
    this.chains = chains;
    this.fixedChains = fixedChains;
    this.clouds = clouds;
    this.client = channel(agent.port());
  }

  /** An agent that runs layers {@code [0, cut)}. */
  public static Builder at(int cut) {
    return new Builder(cut);
  }

  /** A plaintext client channel to a loopback port. */
  public static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** The running server. */
  public EdgeAgent server() {
    return agent;
  }

  /** The client channel to the agent's Generate service. */
  public ManagedChannel client() {
    return client;
  }

  public int port() {
    return agent.port();
  }

  /** {@code http://127.0.0.1:port/v1}, the OpenAI-compatible API's base URL (when it is on). */
  public String baseUrl() {
    return "http://127.0.0.1:" + agent.httpPort() + "/v1";
  }

  public Generated generate(GenerateRequest request) {
    return Generated.generate(client, request);
  }

  /** The reference request ({@link CompiledStories#referenceRequest()}), token by token. */
  public Generated generate(IntConsumer onToken) {
    return Generated.generate(client, CompiledStories.referenceRequest(), onToken);
  }

  @Override
  public void close() throws InterruptedException {
    client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    agent.close();
    for (ManagedChannel ch : clouds) {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    chains.close();
    fixedChains.forEach(SegmentChain::close);
  }

  /** How the agent is built; every setting has the default the tests mostly want. */
  public static final class Builder {
    private final int cut;
    private int returnCut = -1;
    private final List<Integer> cloudPorts = new ArrayList<>();
    private final Map<String, String> config = new HashMap<>();
    private CompiledModel model;
    private boolean perLayer;
    private StepHooks hooks = StepHooks.of(StepEnergy.none());
    private ClientInterceptor interceptor;
    private SegmentChain draftModel;
    private SegmentChain earlyExitHead;
    private boolean speculation;

    private Builder(int cut) {
      this.cut = cut;
    }

    /** The cloud workers, in the order of {@code cloud.target} (a dead port is allowed). */
    public Builder clouds(Integer... ports) {
      cloudPorts.addAll(List.of(ports));
      return this;
    }

    /** The cloud workers, in the order of {@code cloud.target}. */
    public Builder clouds(List<Integer> ports) {
      cloudPorts.addAll(ports);
      return this;
    }

    /** Edge settings over the defaults (as the YAML keys: {@code cloud.fallback} ...). */
    public Builder config(Map<String, String> settings) {
      config.putAll(settings);
      return this;
    }

    /** Serves this model instead of the shared stories260K build. */
    public Builder model(CompiledModel model) {
      this.model = model;
      return this;
    }

    /** A U-shape: the agent also runs {@code [returnCut, N)}, the head and sampling. */
    public Builder returnCut(int returnCut) {
      this.returnCut = returnCut;
      this.perLayer = true;
      return this;
    }

    /** Opens every layer on its own, so the agent can move its cut (re-planning, U-shapes). */
    public Builder perLayer() {
      this.perLayer = true;
      return this;
    }

    /** Told about steps, summaries and every call's outcome. */
    public Builder listener(StepListener listener) {
      return hooks(new StepHooks(StepEnergy.none(), listener, hooks.slowdown()));
    }

    public Builder hooks(StepHooks hooks) {
      this.hooks = hooks;
      return this;
    }

    /** Sees every call to the cloud workers (recording frames, say). */
    public Builder intercept(ClientInterceptor interceptor) {
      this.interceptor = interceptor;
      return this;
    }

    /**
     * Lets requests speculate (default source none): with {@code draftModel} for the model source
     * and {@code earlyExitHead} (the final norm and head) for early exit; either may be null.
     */
    public Builder speculation(SegmentChain draftModel, SegmentChain earlyExitHead) {
      this.speculation = true;
      this.draftModel = draftModel;
      this.earlyExitHead = earlyExitHead;
      return this;
    }

    public LoopbackAgent start() {
      CompiledModel m = model == null ? CompiledStories.model() : model;
      Tokenizer tokenizer =
          model == null ? CompiledStories.tokenizer() : Tokenizers.load(m.tokenizerFile());
      List<String> targets = new ArrayList<>();
      List<ManagedChannel> channels = new ArrayList<>();
      List<Channel> clouds = new ArrayList<>();
      for (int p : cloudPorts) {
        targets.add("127.0.0.1:" + p);
        ManagedChannel ch = channel(p);
        channels.add(ch);
        clouds.add(interceptor == null ? ch : ClientInterceptors.intercept(ch, interceptor));
      }
      Map<String, String> settings =
          new HashMap<>(
              Map.of(
                  "listen.port",
                  "0",
                  "model.cut",
                  String.valueOf(cut),
                  "cloud.hidden_dtype",
                  "fp32",
                  "cloud.target",
                  String.join(",", targets)));
      settings.putAll(config);
      EdgeConfig cfg = EdgeConfig.load(null, Map.of(), settings);
      EdgeChains chains;
      List<SegmentChain> fixedChains = new ArrayList<>();
      if (perLayer) {
        chains = EdgeChains.perLayer(m, RuntimeOptions.defaults());
      } else {
        SegmentChain edge = m.openEdge(cut, RuntimeOptions.defaults());
        SegmentChain localCloud =
            cfg.recovery().fallback() == EdgeConfig.Fallback.LOCAL
                ? m.openCloud(cut, RuntimeOptions.defaults())
                : null;
        chains = EdgeChains.fixed(edge, localCloud);
        fixedChains.add(edge);
        if (localCloud != null) {
          fixedChains.add(localCloud);
        }
      }
      EdgeAgent agent =
          new EdgeAgent(cfg, chains, m.fingerprint(), tokenizer, clouds, hooks, returnCut);
      if (speculation) {
        agent.speculation(
            new Speculation(
                DraftSource.DRAFT_SOURCE_NONE,
                cfg.speculate().maxWindow(),
                draftModel,
                earlyExitHead));
      }
      agent.start();
      return new LoopbackAgent(agent, chains, fixedChains, channels);
    }
  }
}
