package dev.edgesplit.cli;

import dev.edgesplit.engine.segment.CompiledModel;
import dev.edgesplit.engine.segment.RuntimeOptions;
import dev.edgesplit.engine.tokenizer.Tokenizer;
import dev.edgesplit.engine.tokenizer.Tokenizers;
import dev.edgesplit.partitioner.cache.ModelCache;
import dev.edgesplit.partitioner.cache.Workspace;
import dev.edgesplit.partitioner.model.ModelWeights;
import dev.edgesplit.partitioner.privacy.ActivationBank;
import dev.edgesplit.partitioner.privacy.ActivationCollector;
import dev.edgesplit.partitioner.privacy.AttackerKnowledge;
import dev.edgesplit.partitioner.privacy.AuditChart;
import dev.edgesplit.partitioner.privacy.AuditReport;
import dev.edgesplit.partitioner.privacy.AuditTable;
import dev.edgesplit.partitioner.privacy.InversionAudit;
import dev.edgesplit.partitioner.privacy.Split;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code edgesplit privacy}: how many tokens a cloud operator holding the weights recovers from the
 * hidden states it receives at each cut, attack by attack, on held-out text.
 */
@Command(
    name = "privacy",
    mixinStandardHelpOptions = true,
    description =
        "Inversion audit: the share of tokens a cloud operator with the weights recovers at each cut.")
final class PrivacyCommand implements Callable<Integer> {

  @Mixin ModelOptions model;

  @Option(
      names = "--sequences",
      defaultValue = "64",
      description = "Sequences the model generates for the audit (default: ${DEFAULT-VALUE}).")
  int sequences;

  @Option(
      names = "--length",
      defaultValue = "128",
      description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
  int length;

  @Option(
      names = "--held-out",
      defaultValue = "0.25",
      description = "Share of sequences held out for scoring (default: ${DEFAULT-VALUE}).")
  double heldOut;

  @Option(
      names = "--seed",
      defaultValue = "1000",
      description = "Seed of the generated text (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--text",
      paramLabel = "FILE",
      description =
          "Audit on this text instead of generated text (split into sequences of --length tokens).")
  Path text;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = ".",
      description = "Where privacy.json and privacy.svg go (default: the current directory).")
  Path out;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (sequences < 2 || length < 3) {
      throw new ParameterException(
          spec.commandLine(), "--sequences must be at least 2 and --length at least 3");
    }
    if (!(heldOut > 0 && heldOut < 1)) {
      throw new ParameterException(spec.commandLine(), "--held-out must be between 0 and 1");
    }
    PrintWriter stdout = spec.commandLine().getOut();
    AuditReport report =
        audit(
            spec.commandLine().getErr(),
            model,
            new Settings(sequences, length, heldOut, seed, text));
    Files.createDirectories(out);
    report.write(out.resolve("privacy.json"));
    AuditChart.write(report, out.resolve("privacy.svg"));
    stdout.print(AuditTable.render(report));
    stdout.printf("wrote %s and %s%n", out.resolve("privacy.json"), out.resolve("privacy.svg"));
    return 0;
  }

  /**
   * Runs the audit on the model {@code options} name (an fp32 per-layer build; quantization options
   * ignored) and caches the report in the workspace under the model's fingerprint, where {@code
   * plan} finds it.
   */
  static AuditReport audit(PrintWriter log, ModelOptions options, Settings settings)
      throws IOException {
    String name = ModelCache.resolveName(options.model, log);
    ModelWeights weights = ModelCache.inWorkspace(log).importWeights(name);
    ModelOptions fp32 = new ModelOptions();
    fp32.model = name;
    fp32.edgeQuant = "fp32";
    fp32.cloudQuant = "fp32";
    fp32.maxContext = options.maxContext;
    fp32.quant = options.quant.copy();
    fp32.quantizer = "rtn";
    fp32.threads = options.threads;
    CompiledModel compiled = fp32.compiled(name, log, null);
    String textLabel;
    ActivationBank bank;
    try (ActivationCollector collector =
        new ActivationCollector(compiled, new RuntimeOptions(options.threads, 0))) {
      if (settings.text() != null) {
        Tokenizer tokenizer =
            Tokenizers.load(compiled.tokenizerFile(), compiled.config().vocabSize());
        List<int[]> seqs =
            chunks(
                tokenizer,
                Files.readString(settings.text()),
                Math.min(settings.length(), collector.maxContext()));
        if (seqs.size() < 2) {
          throw new IllegalArgumentException(
              settings.text()
                  + " holds fewer than 2 sequences of "
                  + settings.length()
                  + " tokens");
        }
        bank = collector.read(seqs);
        textLabel = "text of " + settings.text().getFileName();
      } else {
        int bos = Tokenizers.load(compiled.tokenizerFile(), compiled.config().vocabSize()).bos();
        bank =
            collector.generated(
                settings.sequences(), settings.length(), Math.max(bos, 0), settings.seed());
        textLabel = "text it generates (temperature 1, seed " + settings.seed() + ")";
      }
    }
    AuditReport report =
        InversionAudit.standard()
            .run(
                compiled.fingerprint().substring(0, 12),
                textLabel,
                bank,
                AttackerKnowledge.of(weights),
                Split.bySequence(bank, settings.heldOut()));
    Path cache = Files.createDirectories(Workspace.home().resolve("privacy"));
    report.write(cache.resolve(compiled.fingerprint() + ".json"));
    return report;
  }

  /**
   * The audit the workspace holds for this model fingerprint, if {@code privacy} has run for it.
   */
  static AuditReport cached(String fingerprint) throws IOException {
    Path file = Workspace.home().resolve("privacy").resolve(fingerprint + ".json");
    return Files.isRegularFile(file) ? AuditReport.read(file) : null;
  }

  /** BOS + {@code length - 1} tokens per sequence, consecutive slices of the text. */
  private static List<int[]> chunks(Tokenizer tokenizer, String text, int length) {
    int[] all = tokenizer.encode(text, false);
    List<int[]> out = new ArrayList<>();
    for (int start = 0; start + length - 1 <= all.length; start += length - 1) {
      int[] seq = new int[length];
      seq[0] = Math.max(tokenizer.bos(), 0);
      System.arraycopy(all, start, seq, 1, length - 1);
      out.add(seq);
    }
    return out;
  }

  /** What text the audit reads and how much of it is held out. */
  record Settings(int sequences, int length, double heldOut, long seed, Path text) {
    /** The command's defaults. */
    static Settings defaults() {
      return new Settings(64, 128, 0.25, 1000, null);
    }
  }
}
