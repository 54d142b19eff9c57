package dev.edgesplit.server.rpc;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A gRPC marshaller that leaves messages as their serialized bytes: for a server that parses
 * requests itself ({@link MalformedRequests}) or a client that sends bytes no generated stub would
 * (tests, wire benchmarks). Stateless; thread-safe.
 */
public final class RawBytes {

  /** Bytes in, the same bytes out. */
  public static final MethodDescriptor.Marshaller<byte[]> MARSHALLER =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private RawBytes() {}
}
