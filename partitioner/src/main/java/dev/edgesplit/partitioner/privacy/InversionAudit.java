package dev.edgesplit.partitioner.privacy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs every attack at every cut of a recorded bank and scores it on held-out sequences. At cut 0
 * the link carries token ids (everything is recovered); at cut N the plain split still sends h_N
 * for the cloud's head.
 */
public final class InversionAudit {

  private final List<InversionAttack> attacks;

  public InversionAudit(List<InversionAttack> attacks) {
    this.attacks = List.copyOf(attacks);
  }

  /** The attacks a cloud operator holding the weights can run cheaply, strongest family first. */
  public static InversionAudit standard() {
    return new InversionAudit(
        List.of(
            new NearestEmbedding(NearestEmbedding.Metric.COSINE, false),
            new NearestEmbedding(NearestEmbedding.Metric.L2, false),
            new NearestEmbedding(NearestEmbedding.Metric.COSINE, true),
            new NearestEmbedding(NearestEmbedding.Metric.L2, true),
            new RidgeProbe(false),
            new RidgeProbe(true),
            new NearestNeighbour(),
            new LogitLens()));
  }

  public AuditReport run(
      String model, String text, ActivationBank bank, AttackerKnowledge knowledge, Split split) {
    int n = bank.layers();
    List<CutRecovery> rows = new ArrayList<>();
    for (int cut = 0; cut <= n; cut++) {
      double[] recovery = new double[attacks.size()];
      String sent;
      if (cut == 0) {
        sent = "token ids";
        Arrays.fill(recovery, 1.0);
      } else {
        sent = "h_" + cut + " [T, " + bank.dim() + "]";
        for (int a = 0; a < attacks.size(); a++) {
          recovery[a] = score(attacks.get(a).recover(bank, knowledge, cut, split), bank, split);
        }
      }
      rows.add(new CutRecovery(cut, sent, recovery));
    }
    List<AttackInfo> info =
        attacks.stream().map(a -> new AttackInfo(a.name(), a.method())).toList();
    return new AuditReport(
        model, text, bank.sequences(), split.train().length, split.test().length, info, rows);
  }

  private static double score(int[] guesses, ActivationBank bank, Split split) {
    int correct = 0;
    for (int i = 0; i < guesses.length; i++) {
      correct += guesses[i] == bank.tokens()[split.test()[i]] ? 1 : 0;
    }
    return (double) correct / guesses.length;
  }
}
