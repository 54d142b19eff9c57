package dev.edgesplit.cloud.rpc;

import com.google.protobuf.ByteString;
import dev.edgesplit.cloud.compute.CloudCompute;
import dev.edgesplit.cloud.compute.CloudModelInfo;
import dev.edgesplit.cloud.compute.StepExecutor;
import dev.edgesplit.cloud.error.IncompatiblePlanException;
import dev.edgesplit.cloud.error.InvalidFrameException;
import dev.edgesplit.cloud.error.StatusMapper;
import dev.edgesplit.cloud.metrics.CloudStepListener;
import dev.edgesplit.cloud.session.SessionRegistry;
import dev.edgesplit.engine.energy.DeviceProfile;
import dev.edgesplit.engine.energy.EnergyMeter;
import dev.edgesplit.engine.energy.EstimatedMeter;
import dev.edgesplit.engine.profile.ProfileSettings;
import dev.edgesplit.proto.Protocol;
import dev.edgesplit.proto.v1.CloudServiceGrpc;
import dev.edgesplit.proto.v1.DType;
import dev.edgesplit.proto.v1.EnergySource;
import dev.edgesplit.proto.v1.HandshakeRequest;
import dev.edgesplit.proto.v1.HandshakeResponse;
import dev.edgesplit.proto.v1.ProbeRequest;
import dev.edgesplit.proto.v1.ProbeResponse;
import dev.edgesplit.proto.v1.ProfileRequest;
import dev.edgesplit.proto.v1.ProfileResponse;
import dev.edgesplit.proto.v1.SessionFrame;
import dev.edgesplit.proto.v1.SessionReply;
import dev.edgesplit.server.energy.StepEnergy;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.LongSupplier;

/** gRPC face of the cloud worker: handshake, session streams and the link probe. Thread-safe. */
public final class CloudServiceImpl extends CloudServiceGrpc.CloudServiceImplBase {

  static final Set<DType> ACCEPTED_DTYPES =
      EnumSet.of(DType.DTYPE_FP32, DType.DTYPE_FP16, DType.DTYPE_INT8);

  private final CloudCompute compute;
  private final SessionRegistry registry;
  private final StepExecutor steps;
  private final StepEnergy energy;
  private final WireLimits limits;
  private final FrameValidator validator;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final CloudStepListener listener;

  /**
   * @param listener told about every step (metrics, energy log)
   */
  public CloudServiceImpl(
      CloudCompute compute,
      SessionRegistry registry,
      StepExecutor steps,
      StepEnergy energy,
      WireLimits limits,
      Clock clock,
      LongSupplier nanoTime,
      CloudStepListener listener) {
    this.listener = listener;
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
      boolean uShaped = request.hasReturnCut() && request.getReturnCut() < info.nLayers();
      response.onNext(
          HandshakeResponse.newBuilder()
              .setProtocolVersion(Protocol.VERSION)
              .setModelFingerprint(info.fingerprint())
              .setCut(request.getCut())
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
              // Speculation only when the edge asks for it: an older edge keeps one token per round
              // trip.
              // A U-shaped session's windows rewind the session: a compute that cannot, offers
              // none.
              .setMaxWindowDrafts(
                  uShaped && !compute.rewindsSessions()
                      ? 0
                      : Math.max(
                          0, Math.min(request.getMaxWindowDrafts(), validator.maxWindowDrafts())))
              .build());
      response.onCompleted();
    } catch (RuntimeException e) {
      response.onError(StatusMapper.toStatus(e).asRuntimeException());
    }
  }

  @Override
  public StreamObserver<SessionFrame> session(StreamObserver<SessionReply> response) {
    SessionStream stream =
        new SessionStream(
            (ServerCallStreamObserver<SessionReply>) response,
            validator,
            registry,
            compute,
            steps,
            energy,
            nanoTime,
            listener);
    stream.begin();
    return stream;
  }

  @Override
  public void probe(ProbeRequest request, StreamObserver<ProbeResponse> response) {
    long received = micros(clock.instant());
    try {
      if (request.getReplyPaddingBytes() > limits.maxProbeBytes()
          || request.getReplyPaddingBytes() < 0) {
        throw new InvalidFrameException(
            "reply_padding_bytes "
                + Integer.toUnsignedString(request.getReplyPaddingBytes())
                + " exceeds max_probe_bytes "
                + limits.maxProbeBytes());
      }
      if (request.getPayload().size() > limits.maxProbeBytes()) {
        throw new InvalidFrameException(
            "probe payload of "
                + request.getPayload().size()
                + " bytes exceeds max_probe_bytes "
                + limits.maxProbeBytes());
      }
      response.onNext(
          ProbeResponse.newBuilder()
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

  @Override
  public void profile(ProfileRequest request, StreamObserver<ProfileResponse> response) {
    try {
      int context = request.getContextPositions() == 0 ? 32 : request.getContextPositions();
      int tokens = request.getDecodeTokens() == 0 ? 16 : request.getDecodeTokens();
      if (context < 1
          || tokens < 1
          || (long) context + tokens + 4 > compute.info().maxContext()
          || tokens > 1024) {
        throw new InvalidFrameException(
            "profile of "
                + Integer.toUnsignedString(context)
                + " context positions and "
                + Integer.toUnsignedString(tokens)
                + " tokens does not fit the context of "
                + compute.info().maxContext()
                + " (at most 1024 tokens)");
      }
      EnergyMeter meter =
          energy
              .meter()
              .orElseGet(() -> EstimatedMeter.forThisProcess(DeviceProfile.GENERIC_X86_SERVER));
      // Seconds of model runs: on a step thread, where model work belongs, not on a gRPC callback
      // thread.
      steps
          .submit(() -> compute.profile(new ProfileSettings(context, 4, tokens), meter))
          .whenComplete(
              (t, error) -> {
                if (error != null) {
                  Throwable cause =
                      error instanceof java.util.concurrent.CompletionException
                          ? error.getCause()
                          : error;
                  response.onError(StatusMapper.toStatus(cause).asRuntimeException());
                  return;
                }
                response.onNext(
                    ProfileResponse.newBuilder()
                        .addAllLayerMs(t.layerMillis())
                        .setHeadMs(t.headMillis() == null ? 0 : t.headMillis())
                        .setWatts(t.watts())
                        .setEnergySource(
                            EnergySource.newBuilder()
                                .setKind(t.source().kind())
                                .setMeasured(t.source().measured())
                                .setDescription(t.source().description()))
                        .build());
                response.onCompleted();
              });
    } catch (RuntimeException e) {
      response.onError(StatusMapper.toStatus(e).asRuntimeException());
    }
  }

  private void check(HandshakeRequest request) {
    CloudModelInfo info = compute.info();
    if (request.getProtocolVersion() != Protocol.VERSION) {
      throw new IncompatiblePlanException(
          "protocol version "
              + request.getProtocolVersion()
              + " not supported; this worker speaks "
              + Protocol.VERSION);
    }
    if (!request.getModelFingerprint().equals(info.fingerprint())) {
      throw new IncompatiblePlanException(
          "model fingerprint "
              + request.getModelFingerprint()
              + " does not match the worker's "
              + info.fingerprint());
    }
    if (request.getCut() > info.nLayers() || !compute.servesCut(request.getCut())) {
      throw new IncompatiblePlanException(
          "cut "
              + Integer.toUnsignedString(request.getCut())
              + " does not match the worker's cut "
              + info.cut()
              + " (a per-layer build serves every cut)");
    }
    if (request.hasReturnCut()
        && (request.getReturnCut() <= request.getCut()
            || request.getReturnCut() > info.nLayers()
            || !compute.servesRange(request.getCut(), request.getReturnCut()))) {
      throw new IncompatiblePlanException(
          "this worker cannot serve layers ["
              + request.getCut()
              + ", "
              + Integer.toUnsignedString(request.getReturnCut())
              + ") of a "
              + info.nLayers()
              + "-layer model"
              + " (return_cut must be above the cut and at most n_layers; U-shaped sessions need a per-layer build)");
    }
    if (!ACCEPTED_DTYPES.contains(request.getHiddenDtype())) {
      throw new IncompatiblePlanException(
          "hidden dtype " + request.getHiddenDtype() + " is not accepted");
    }
    if (Integer.toUnsignedLong(request.getMaxContext()) > info.maxContext()) {
      throw new IncompatiblePlanException(
          "edge needs a context of "
              + Integer.toUnsignedString(request.getMaxContext())
              + " positions, the worker serves "
              + info.maxContext());
    }
  }

  private static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }
}
