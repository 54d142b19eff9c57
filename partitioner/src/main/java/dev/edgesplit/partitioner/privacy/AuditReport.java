package dev.edgesplit.partitioner.privacy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The result of an inversion audit: per cut, the share of held-out tokens each attack recovers.
 *
 * @param model the model's fingerprint
 * @param text where the audited text came from, in words
 * @param sequences sequences recorded
 * @param trainPositions positions the learning attacks fit on
 * @param testPositions held-out positions every attack is scored on
 * @param attacks the attacks, in column order
 * @param cuts one row per cut 0..N
 */
public record AuditReport(
    String model,
    String text,
    int sequences,
    int trainPositions,
    int testPositions,
    List<AttackInfo> attacks,
    List<CutRecovery> cuts) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public AuditReport {
    attacks = List.copyOf(attacks);
    cuts = List.copyOf(cuts);
  }

  /** Best attack's recovery at each cut 0..N, the planner's privacy input. */
  public double[] bestByCut() {
    return cuts.stream().mapToDouble(CutRecovery::best).toArray();
  }

  /**
   * Highest recovery at any cut in {@code [from, to]}: a worker running layers {@code [from, to)}
   * sees every state in between (it computes them), so its leak is the worst of them.
   */
  public double worstBetween(int from, int to) {
    double worst = 0;
    for (int k = from; k <= to && k < cuts.size(); k++) {
      worst = Math.max(worst, cuts.get(k).best());
    }
    return worst;
  }

  public void write(Path file) throws IOException {
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
  }

  public static AuditReport read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), AuditReport.class);
  }
}
