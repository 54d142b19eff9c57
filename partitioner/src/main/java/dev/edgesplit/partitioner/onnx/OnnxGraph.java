package dev.edgesplit.partitioner.onnx;

import com.google.protobuf.ByteString;
import dev.edgesplit.partitioner.onnx.proto.AttributeProto;
import dev.edgesplit.partitioner.onnx.proto.GraphProto;
import dev.edgesplit.partitioner.onnx.proto.ModelProto;
import dev.edgesplit.partitioner.onnx.proto.NodeProto;
import dev.edgesplit.partitioner.onnx.proto.OperatorSetIdProto;
import dev.edgesplit.partitioner.onnx.proto.StringStringEntryProto;
import dev.edgesplit.partitioner.onnx.proto.TensorProto;
import dev.edgesplit.partitioner.onnx.proto.TensorShapeProto;
import dev.edgesplit.partitioner.onnx.proto.TypeProto;
import dev.edgesplit.partitioner.onnx.proto.ValueInfoProto;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small builder for ONNX graphs: typed inputs and outputs, raw little-endian initializers, nodes
 * with attributes. Node and value names are the caller's; each node's name is derived from its
 * first output.
 */
public final class OnnxGraph {

  /** Opset of the default ONNX domain the segments are written against. */
  public static final int ONNX_OPSET = 21;

  /** IR version matching {@link #ONNX_OPSET}. */
  public static final int IR_VERSION = 10;

  public static final String MS_DOMAIN = "com.microsoft";

  private final GraphProto.Builder graph;
  private final Map<String, String> metadata = new LinkedHashMap<>();

  public OnnxGraph(String name) {
    this.graph = GraphProto.newBuilder().setName(name);
  }

  /** A graph input; a dimension is fixed (Long) or symbolic (String). */
  public OnnxGraph input(String name, TensorProto.DataType type, Object... dims) {
    graph.addInput(valueInfo(name, type, dims));
    return this;
  }

  public OnnxGraph output(String name, TensorProto.DataType type, Object... dims) {
    graph.addOutput(valueInfo(name, type, dims));
    return this;
  }

  public OnnxGraph metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  public String floats(String name, float[] values, long... dims) {
    ByteBuffer buf =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    return raw(name, TensorProto.DataType.FLOAT, buf.array(), dims);
  }

  public String int64s(String name, long[] values, long... dims) {
    ByteBuffer buf = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buf.asLongBuffer().put(values);
    return raw(name, TensorProto.DataType.INT64, buf.array(), dims);
  }

  public String bytes(String name, byte[] values, long... dims) {
    return raw(name, TensorProto.DataType.UINT8, values, dims);
  }

  /** Adds an initializer from raw little-endian bytes; returns its name. */
  public String raw(String name, TensorProto.DataType type, byte[] data, long... dims) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
    for (long d : dims) {
      t.addDims(d);
    }
    graph.addInitializer(t.setRawData(ByteString.copyFrom(data)));
    return name;
  }

  /** Adds a node; attributes are given as name/value pairs (Long, Float, String, long[]). */
  public NodeBuilder node(String opType, String... inputs) {
    return new NodeBuilder(opType, inputs);
  }

  public ModelProto build() {
    ModelProto.Builder model =
        ModelProto.newBuilder()
            .setIrVersion(IR_VERSION)
            .setProducerName("edgesplit")
            .setProducerVersion("0.1")
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(ONNX_OPSET))
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MS_DOMAIN).setVersion(1))
            .setGraph(graph);
    metadata.forEach(
        (k, v) ->
            model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    return model.build();
  }

  public void write(Path file) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      build().writeTo(out);
    }
  }

  private static ValueInfoProto valueInfo(String name, TensorProto.DataType type, Object... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (Object d : dims) {
      TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
      if (d instanceof String s) {
        dim.setDimParam(s);
      } else {
        dim.setDimValue(((Number) d).longValue());
      }
      shape.addDim(dim);
    }
    TypeProto.Tensor tensor =
        TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape).build();
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(TypeProto.newBuilder().setTensorType(tensor))
        .build();
  }

  /** Collects one node's domain, outputs and attributes. */
  public final class NodeBuilder {
    private final NodeProto.Builder node;

    private NodeBuilder(String opType, String... inputs) {
      node = NodeProto.newBuilder().setOpType(opType);
      for (String in : inputs) {
        node.addInput(in);
      }
    }

    public NodeBuilder domain(String domain) {
      node.setDomain(domain);
      return this;
    }

    public NodeBuilder attr(String name, long value) {
      node.addAttribute(
          AttributeProto.newBuilder()
              .setName(name)
              .setType(AttributeProto.AttributeType.INT)
              .setI(value));
      return this;
    }

    public NodeBuilder attr(String name, float value) {
      node.addAttribute(
          AttributeProto.newBuilder()
              .setName(name)
              .setType(AttributeProto.AttributeType.FLOAT)
              .setF(value));
      return this;
    }

    public NodeBuilder attr(String name, long[] values) {
      AttributeProto.Builder a =
          AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
      for (long v : values) {
        a.addInts(v);
      }
      node.addAttribute(a);
      return this;
    }

    /** Adds the node with these outputs and returns the first output's name. */
    public String out(String... outputs) {
      for (String o : outputs) {
        node.addOutput(o);
      }
      node.setName(outputs[0] + "/" + node.getOpType());
      graph.addNode(node);
      return outputs[0];
    }
  }
}
