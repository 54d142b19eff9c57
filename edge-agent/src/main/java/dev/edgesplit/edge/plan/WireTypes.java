package dev.edgesplit.edge.plan;

import dev.edgesplit.planner.WireDType;
import dev.edgesplit.proto.v1.DType;

/**
 * The planner's name for a wire element type: an explicit map, so renaming either enum cannot shift
 * it.
 */
public final class WireTypes {

  private WireTypes() {}

  /** The planner's {@link WireDType} of a hidden-state element type on the wire. */
  public static WireDType of(DType dtype) {
    switch (dtype) {
      case DTYPE_FP32:
        return WireDType.FP32;
      case DTYPE_FP16:
        return WireDType.FP16;
      case DTYPE_INT8:
        return WireDType.INT8;
      default:
        throw new IllegalArgumentException("no wire encoding for " + dtype);
    }
  }
}
