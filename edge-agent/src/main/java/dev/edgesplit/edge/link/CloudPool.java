package dev.edgesplit.edge.link;

import java.util.ArrayList;
import java.util.List;

/**
 * The cloud workers an edge agent may use, all serving the same model and cut. Sessions open on the
 * current worker; a worker that fails a session hands "current" to the next one in the list, so
 * later sessions (and the failed session's recovery) go there until it fails in turn. Thread-safe.
 */
public final class CloudPool {

  private final List<CloudLink> links;
  private int current;

  public CloudPool(List<CloudLink> links) {
    if (links.isEmpty()) {
      throw new IllegalArgumentException("a cloud pool needs at least one worker");
    }
    this.links = List.copyOf(links);
  }

  /** The worker new sessions should use. */
  public synchronized CloudLink current() {
    return links.get(current);
  }

  /**
   * Records that {@code link} failed a call: forgets its handshake and, when it is the current
   * worker, makes the next one current.
   */
  public synchronized void failed(CloudLink link) {
    link.reset();
    if (links.get(current) == link) {
      current = (current + 1) % links.size();
    }
  }

  public int size() {
    return links.size();
  }

  /** The workers' addresses, in order. */
  public List<String> targets() {
    List<String> targets = new ArrayList<>();
    for (CloudLink l : links) {
      targets.add(l.target());
    }
    return targets;
  }
}
