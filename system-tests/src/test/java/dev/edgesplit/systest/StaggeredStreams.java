package dev.edgesplit.systest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgesplit.proto.v1.EdgeServiceGrpc;
import dev.edgesplit.proto.v1.GenerateRequest;
import dev.edgesplit.proto.v1.GenerateResponse;
import dev.edgesplit.proto.v1.SamplingParams;
import io.grpc.Channel;
import io.grpc.Context;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Concurrent greedy streams that join one after another at tokens, not clocks, each checked against
 * its solo run through the same servers. Every wait is generous: no timing is asserted.
 */
public final class StaggeredStreams {

  private StaggeredStreams() {}

  /**
   * One stream: the agent it goes to, its prompt, how many tokens, after how many its client
   * cancels (-1: never), and after how many of its tokens the next stream joins.
   */
  public record Stream(
      Channel edge, String prompt, int maxTokens, int cancelAfter, int joinAfter) {}

  /**
   * Edge settings for {@code streams} concurrent streams on a loaded machine, with the default fp16
   * link: a slow step must not turn into a replay, as these tests are about batching, not recovery.
   */
  public static Map<String, String> patientAgent(int streams) {
    return Map.of(
        "generate.max_concurrent",
        String.valueOf(streams),
        "cloud.step_timeout_ms",
        "300000",
        "cloud.hidden_dtype",
        "fp16");
  }

  /**
   * Runs, one at a time, the longest stream of every (agent, prompt) pair: the references the
   * streams of {@link #runAndCheck} are compared with.
   */
  public static Map<List<Object>, List<Integer>> soloRuns(List<Stream> streams) {
    Map<List<Object>, List<Integer>> solo = new HashMap<>();
    for (Stream s : streams) {
      int longest =
          streams.stream()
              .filter(q -> q.edge == s.edge && q.prompt.equals(s.prompt))
              .mapToInt(Stream::maxTokens)
              .max()
              .orElseThrow();
      solo.computeIfAbsent(key(s), k -> greedy(s.edge, s.prompt, longest, -1, n -> {}));
    }
    return solo;
  }

  /**
   * Runs the streams concurrently, the i+1-th joining once the i-th has its {@code joinAfter}
   * tokens (or has ended), and checks each against its solo run: equal, or a prefix of it at least
   * {@code cancelAfter} long when its client cancelled.
   */
  public static void runAndCheck(List<Stream> streams, Map<List<Object>, List<Integer>> solo)
      throws Exception {
    List<CountDownLatch> joined = new ArrayList<>();
    for (int i = 0; i <= streams.size(); i++) {
      joined.add(new CountDownLatch(1));
    }
    joined.get(0).countDown();
    ExecutorService clients = Executors.newFixedThreadPool(streams.size());
    try {
      List<Future<List<Integer>>> runs = new ArrayList<>();
      for (int i = 0; i < streams.size(); i++) {
        Stream s = streams.get(i);
        CountDownLatch mine = joined.get(i);
        CountDownLatch next = joined.get(i + 1);
        runs.add(
            clients.submit(
                () -> {
                  assertThat(mine.await(5, TimeUnit.MINUTES))
                      .as("the previous stream started")
                      .isTrue();
                  try {
                    return greedy(
                        s.edge,
                        s.prompt,
                        s.maxTokens,
                        s.cancelAfter,
                        n -> {
                          if (n >= s.joinAfter) {
                            next.countDown();
                          }
                        });
                  } finally {
                    next.countDown();
                  }
                }));
      }
      for (int i = 0; i < streams.size(); i++) {
        Stream s = streams.get(i);
        List<Integer> reference = solo.get(key(s));
        List<Integer> expected = reference.subList(0, Math.min(s.maxTokens, reference.size()));
        List<Integer> tokens = runs.get(i).get(5, TimeUnit.MINUTES);
        String what =
            "stream " + i + " (" + s.maxTokens + " tokens, cancel after " + s.cancelAfter + ")";
        if (s.cancelAfter < 0) {
          assertThat(tokens).as(what).isEqualTo(expected);
        } else {
          assertThat(tokens)
              .as(what)
              .hasSizeGreaterThanOrEqualTo(Math.min(s.cancelAfter, expected.size()));
          assertThat(expected.subList(0, tokens.size())).as(what).isEqualTo(tokens);
        }
      }
    } finally {
      clients.shutdownNow();
    }
  }

  /**
   * Greedy token ids of one Generate stream (5 min deadline), telling {@code progress} how many it
   * has so far; with {@code cancelAfter >= 0} the client cancels after that many.
   */
  public static List<Integer> greedy(
      Channel edge, String prompt, int maxTokens, int cancelAfter, IntConsumer progress) {
    GenerateRequest request =
        GenerateRequest.newBuilder()
            .setText(prompt)
            .setMaxNewTokens(maxTokens)
            .setSampling(SamplingParams.newBuilder().setTemperature(0f))
            .build();
    List<Integer> tokens = new ArrayList<>();
    Context.CancellableContext call = Context.current().withCancellation();
    try {
      call.run(
          () -> {
            Iterator<GenerateResponse> it =
                EdgeServiceGrpc.newBlockingStub(edge)
                    .withDeadlineAfter(5, TimeUnit.MINUTES)
                    .generate(request);
            progress.accept(0);
            while (tokens.size() != cancelAfter && it.hasNext()) {
              GenerateResponse r = it.next();
              if (r.hasToken()) {
                tokens.add(r.getToken().getTokenId());
                progress.accept(tokens.size());
              }
            }
          });
    } finally {
      call.cancel(null);
    }
    return tokens;
  }

  private static List<Object> key(Stream s) {
    return List.of(s.edge, s.prompt);
  }
}
