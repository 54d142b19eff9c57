package dev.edgesplit.cloud.rpc;

import com.google.protobuf.ByteString;
import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.CloudModelInfo;
import dev.edgesplit.cloud.compute.StepExecutor;
import dev.edgesplit.cloud.energy.StepEnergy;
import dev.edgesplit.cloud.error.IncompatiblePlanException;
import dev.edgesplit.cloud.error.InvalidFrameException;
import dev.edgesplit.cloud.error.StatusMapper;
import dev.edgesplit.cloud.session.SessionRegistry;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.HandshakeRequest;
import dev.edgesplit.proto.v1.HandshakeResponse;
import dev.edgesplit.proto.v1.ProbeRequest;
import dev.edgesplit.proto.v1.ProbeResponse;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.LongSupplier;

/** gRPC face of the cloud worker: handshake, session streams and the link probe. Thread-safe. */
public final class CloudServiceImpl extends CloudServiceGrpc.CloudServiceImplBase {

  /** Wire protocol version this worker speaks (edgesplit/v1 files). */
  public static final int PROTOCOL_VERSION = 1;

  static final Set<DType> ACCEPTED_DTYPES = EnumSet.of(DType.DTYPE_FP32, DType.DTYPE_FP16, DType.DTYPE_INT8);

  private final CloudCompute compute;
  private final SessionRegistry registry;
  private final StepExecutor steps;
  private final StepEnergy energy;
  private final WireLimits limits;
  private final FrameValidator validator;
  private final Clock clock;
  private final LongSupplier nanoTime;

  public CloudServiceImpl(CloudCompute compute, SessionRegistry registry, StepExecutor steps, StepEnergy energy,
      WireLimits limits, Clock clock, LongSupplier nanoTime) {
    this.compute = compute;
    this.registry = registry;
    this.steps = steps;
    this.energy = energy;
    this.limits = limits;
    this.validator = new FrameValidator(compute.info(), limits.maxFramePositions());
    this.clock = clock;
    this.nanoTime = nanoTime;
  }

  @Override
  public void handshake(HandshakeRequest request, StreamObserver<HandshakeResponse> response) {
    try {
      check(request);
      CloudModelInfo info = compute.info();
      response.onNext(HandshakeResponse.newBuilder()
          .setProtocolVersion(PROTOCOL_VERSION)
          .setModelFingerprint(info.fingerprint())
          .setCut(info.cut())
          .setHiddenDim(info.dim())
          .setMaxContext(info.maxContext())
          .setMaxFramePositions(limits.maxFramePositions())
          .setMaxFrameBytes(limits.maxInboundBytes())
          .setMaxSessions(registry.maxSessions())
          .setKvBudgetBytes(registry.kvBudgetBytes())
          .setKvBytesPerSession(registry.bytesPerSession())
          .setIdleTtlMs(registry.idleTtl().toMillis())
          .addAllAcceptedDtypes(ACCEPTED_DTYPES)
          .setMaxProbeBytes(limits.maxProbeBytes())
          .setVocabSize(info.vocabSize())
          .build());
      response.onCompleted();
    } catch (RuntimeException e) {
      response.onError(StatusMapper.toStatus(e).asRuntimeException());
    }
  }

  @Override
  public StreamObserver<SessionFrame> session(StreamObserver<SessionReply> response) {
    SessionStream stream = new SessionStream((ServerCallStreamObserver<SessionReply>) response, validator, registry,
        compute, steps, energy, nanoTime);
    stream.begin();
    return stream;
  }

  @Override
  public void probe(ProbeRequest request, StreamObserver<ProbeResponse> response) {
    long received = micros(clock.instant());
    try {
      if (request.getReplyPaddingBytes() > limits.maxProbeBytes() || request.getReplyPaddingBytes() < 0) {
        throw new InvalidFrameException("reply_padding_bytes " + Integer.toUnsignedString(request.getReplyPaddingBytes())
            + " exceeds max_probe_bytes " + limits.maxProbeBytes());
      }
      if (request.getPayload().size() > limits.maxProbeBytes()) {
        throw new InvalidFrameException("probe payload of " + request.getPayload().size()
            + " bytes exceeds max_probe_bytes " + limits.maxProbeBytes());
      }
      response.onNext(ProbeResponse.newBuilder()
          .setReceivedBytes(request.getPayload().size())
          .setClientSendNanos(request.getClientSendNanos())
          .setServerReceiveUnixMicros(received)
          .setPadding(ByteString.copyFrom(new byte[request.getReplyPaddingBytes()]))
          .setServerSendUnixMicros(micros(clock.instant()))
          .build());
      response.onCompleted();
    } catch (RuntimeException e) {
      response.onError(StatusMapper.toStatus(e).asRuntimeException());
    }
  }

  private void check(HandshakeRequest request) {
    CloudModelInfo info = compute.info();
    if (request.getProtocolVersion() != PROTOCOL_VERSION) {
      throw new IncompatiblePlanException("protocol version " + request.getProtocolVersion()
          + " not supported; this worker speaks " + PROTOCOL_VERSION);
    }
    if (!request.getModelFingerprint().equals(info.fingerprint())) {
      throw new IncompatiblePlanException("model fingerprint " + request.getModelFingerprint()
          + " does not match the worker's " + info.fingerprint());
    }
    if (request.getCut() != info.cut()) {
      throw new IncompatiblePlanException("cut " + request.getCut() + " does not match the worker's cut " + info.cut());
    }
    if (!ACCEPTED_DTYPES.contains(request.getHiddenDtype())) {
      throw new IncompatiblePlanException("hidden dtype " + request.getHiddenDtype() + " is not accepted");
    }
    if (Integer.toUnsignedLong(request.getMaxContext()) > info.maxContext()) {
      throw new IncompatiblePlanException("edge needs a context of " + Integer.toUnsignedString(request.getMaxContext())
          + " positions, the worker serves " + info.maxContext());
    }
  }

  private static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }
}
