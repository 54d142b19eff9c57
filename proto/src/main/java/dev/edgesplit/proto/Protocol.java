package dev.edgesplit.proto;

/** The version of the wire contract, sent and checked in every handshake. */
public final class Protocol {

  /**
   * {@code protocol_version} of {@code edgesplit.v1} handshakes: bumped by any change an older peer
   * cannot understand (see {@code common.proto}); a peer speaking another version is refused with
   * {@code FAILED_PRECONDITION}.
   */
  public static final int VERSION = 1;

  private Protocol() {}
}
