package dev.edgesplit.systest;

import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Records what crosses an edge's link to its workers: the session frames it sends and the replies
 * it receives. Give it to {@link LoopbackAgent.Builder#intercept}.
 */
public final class LinkRecorder implements ClientInterceptor {

  private final List<SessionFrame> frames = Collections.synchronizedList(new ArrayList<>());
  private final List<SessionReply> replies = Collections.synchronizedList(new ArrayList<>());

  /** The frames sent so far, in order (a live, synchronized list). */
  public List<SessionFrame> frames() {
    return frames;
  }

  /** The replies received so far, in order (a live, synchronized list). */
  public List<SessionReply> replies() {
    return replies;
  }

  /** Forgets what was recorded, so the next generation starts from nothing. */
  public void clear() {
    frames.clear();
    replies.clear();
  }

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(
      MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
    return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void sendMessage(Q message) {
        if (message instanceof SessionFrame f) {
          frames.add(f);
        }
        super.sendMessage(message);
      }

      @Override
      public void start(Listener<A> listener, Metadata headers) {
        super.start(
            new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onMessage(A message) {
                if (message instanceof SessionReply r) {
                  replies.add(r);
                }
                super.onMessage(message);
              }
            },
            headers);
      }
    };
  }
}
