package dev.edgesplit.engine.segment;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.SymbolProvider;
import dev.edgesplit.engine.EngineException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few functions of ONNX Runtime's C API that ORT Java does not expose: IoBinding, with which a
 * session's inputs and outputs are bound once and each run is then one native call of three
 * pointers. ORT Java's {@code OrtSession.run} builds name and handle arrays, a map and a {@code
 * Result} on every call (about 2 KB per decode step); a bound run allocates nothing on the Java
 * heap.
 *
 * <p>The functions are members of {@code struct OrtApi}, a table of function pointers that ONNX
 * Runtime only ever appends to, so each member's index is fixed across versions (indices from
 * {@code onnxruntime_c_api.h}). The table's address is the one ORT Java obtained when it loaded the
 * library. Each member is bound with JNA direct mapping, whose calls with primitive arguments
 * allocate nothing: a symbol provider hands JNA the table's pointers in place of symbols, since
 * only {@code OrtGetApiBase} is exported.
 *
 * <p>Where any of this is not possible (a 32-bit JVM, an ORT Java without the fields read here),
 * {@link #available} is false with the reason, and segments run through {@code OrtSession.run}.
 */
final class OrtNative {

  private static final Logger LOG = LoggerFactory.getLogger(OrtNative.class);

  /** Set to {@code false} to run every step through ORT Java's {@code OrtSession.run}. */
  static final String ENABLED_PROPERTY = "edgesplit.ort.iobinding";

  // Index of each member in struct OrtApi (onnxruntime_c_api.h; SynchronizeBoundOutputs at 203 is
  // asserted in
  // ORT's onnxruntime_c_api.cc, which brackets the IoBinding block).
  private static final Map<String, Integer> MEMBERS =
      Map.of(
          "GetErrorMessage", 2,
          "CreateRunOptions", 39,
          "ReleaseStatus", 93,
          "ReleaseRunOptions", 97,
          "RunWithBinding", 133,
          "CreateIoBinding", 134,
          "ReleaseIoBinding", 135,
          "BindInput", 136,
          "BindOutput", 137);

  private static final Field SESSION_HANDLE;
  private static final Field TENSOR_HANDLE;
  private static final String UNAVAILABLE;

  static {
    Field session = null;
    Field tensor = null;
    String reason;
    try {
      session = accessible(OrtSession.class, "nativeHandle");
      tensor = accessible(OnnxTensorLike.class, "nativeHandle");
      reason = bind();
    } catch (ReflectiveOperationException | RuntimeException e) {
      reason = e.toString();
    }
    SESSION_HANDLE = session;
    TENSOR_HANDLE = tensor;
    UNAVAILABLE = reason;
    if (reason != null) {
      LOG.info(
          "ONNX Runtime's IoBinding unavailable ({}); decode steps run through OrtSession.run",
          reason);
    }
  }

  private OrtNative() {}

  // OrtStatus*, or 0 for success, as every status-returning member.
  static native long CreateRunOptions(long runOptionsOut);

  static native void ReleaseRunOptions(long runOptions);

  static native long CreateIoBinding(long session, long bindingOut);

  static native void ReleaseIoBinding(long binding);

  static native long BindInput(long binding, long name, long value);

  static native long BindOutput(long binding, long name, long value);

  static native long RunWithBinding(long session, long runOptions, long binding);

  static native long GetErrorMessage(long status);

  static native void ReleaseStatus(long status);

  /** True when bound runs work here. */
  static boolean available() {
    return UNAVAILABLE == null;
  }

  /** Why bound runs are not available, or null. */
  static String unavailableReason() {
    return UNAVAILABLE;
  }

  /** The native session behind ORT Java's session. */
  static long handle(OrtSession session) {
    return readLong(SESSION_HANDLE, session);
  }

  /** The native value behind ORT Java's tensor. */
  static long handle(OnnxTensorLike tensor) {
    return readLong(TENSOR_HANDLE, tensor);
  }

  /**
   * Throws the message of a failed call's status (and releases the status); does nothing for
   * success.
   */
  static void check(long status, String what) {
    if (status == 0) {
      return;
    }
    String message = new Pointer(GetErrorMessage(status)).getString(0);
    ReleaseStatus(status);
    throw new EngineException(what + ": " + message);
  }

  /** Calls {@code create} with a pointer-sized out parameter and returns what it wrote there. */
  static long created(OutCall create, String what) {
    try (Memory out = new Memory(Native.POINTER_SIZE)) {
      out.setLong(0, 0);
      check(create.call(Pointer.nativeValue(out)), what);
      return out.getLong(0);
    }
  }

  /** A C string in native memory, for the names the bind calls copy. */
  static Memory cString(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    Memory m = new Memory(utf8.length + 1L);
    m.write(0, utf8, 0, utf8.length);
    m.setByte(utf8.length, (byte) 0);
    return m;
  }

  @FunctionalInterface
  interface OutCall {
    long call(long out);
  }

  private static long readLong(Field f, Object o) {
    try {
      return f.getLong(o);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read " + f, e);
    }
  }

  private static String bind() {
    if (!Boolean.parseBoolean(System.getProperty(ENABLED_PROPERTY, "true"))) {
      return ENABLED_PROPERTY + "=false";
    }
    if (Native.POINTER_SIZE != 8) {
      return "a " + (Native.POINTER_SIZE * 8) + "-bit JVM";
    }
    try {
      OrtEnvironment.getEnvironment(); // loads the library and sets the table's address
      Field api = accessible(Class.forName("ai.onnxruntime.OnnxRuntime"), "ortApiHandle");
      long table = api.getLong(null);
      if (table == 0) {
        return "ONNX Runtime's API table is not loaded";
      }
      Map<String, Long> addresses = new HashMap<>();
      Pointer members = new Pointer(table);
      for (Map.Entry<String, Integer> m : MEMBERS.entrySet()) {
        long address = Pointer.nativeValue(members.getPointer(8L * m.getValue()));
        if (address == 0) {
          return "ONNX Runtime's API table has no " + m.getKey();
        }
        addresses.put(m.getKey(), address);
      }
      SymbolProvider fromTable =
          (handle, name, parent) -> {
            Long address = addresses.get(name);
            return address != null ? address : parent.getSymbolAddress(handle, name, null);
          };
      NativeLibrary lib =
          NativeLibrary.getInstance(
              Platform.C_LIBRARY_NAME, Map.of(Library.OPTION_SYMBOL_PROVIDER, fromTable));
      Native.register(OrtNative.class, lib);
      return null;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      return e.toString();
    }
  }

  private static Field accessible(Class<?> owner, String name) throws NoSuchFieldException {
    Field f = owner.getDeclaredField(name);
    f.setAccessible(true);
    return f;
  }
}
