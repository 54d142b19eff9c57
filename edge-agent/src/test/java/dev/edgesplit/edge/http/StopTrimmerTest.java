package dev.edgesplit.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopTrimmerTest {

  @Test
  void streamedText_endsBeforeTheStopString_evenWhenItArrivesInPieces() {
    StopTrimmer t = new StopTrimmer(List.of("Lily"));
    StringBuilder sent = new StringBuilder();
    for (String piece : List.of("a girl named", " L", "il", "y. She")) {
      sent.append(t.push(piece));
    }
    sent.append(t.finish());
    assertThat(sent.toString()).isEqualTo("a girl named ");
    assertThat(t.text()).isEqualTo("a girl named ");
  }

  @Test
  void heldBackText_isReleased_whenItTurnsOutNotToBeAStop() {
    StopTrimmer t = new StopTrimmer(List.of("Lily"));
    assertThat(t.push("a Li")).isEqualTo("a ");
    assertThat(t.push("on")).isEqualTo("Lion");
    assertThat(t.finish()).isEmpty();
    assertThat(t.text()).isEqualTo("a Lion");
  }

  @Test
  void theEarliestOfSeveralStops_cuts_andWithoutStopsEverythingPasses() {
    StopTrimmer t = new StopTrimmer(List.of("park", "."));
    assertThat(t.push("to play in the park. One")).isEqualTo("to play in the ");
    StopTrimmer none = new StopTrimmer(List.of());
    assertThat(none.push("Once")).isEqualTo("Once");
    assertThat(none.finish()).isEmpty();
  }
}
