package dev.edgesplit.engine.energy;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's CPU time, as precisely as the platform gives it. On Linux: {@code
 * clock_gettime(CLOCK_PROCESS_CPUTIME_ID)}, the scheduler's own runtime of every thread in
 * nanoseconds. The JVM's management bean reads {@code times()} there, which counts whole clock
 * ticks (10 ms at the usual 100 Hz) charged to whichever thread a tick interrupts: over one pass of
 * a few hundred milliseconds that sampling moved an estimate by ~10%. Elsewhere, or when the native
 * call is unavailable, the bean.
 */
public final class ProcessCpuClock {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessCpuClock.class);
  private static final int CLOCK_PROCESS_CPUTIME_ID = 2;

  /** A CPU-time reader and how it reads. */
  public record Reader(LongSupplier nanos, String description) {}

  private ProcessCpuClock() {}

  /** The most precise reader that works here. */
  public static Reader best() {
    if (Platform.isLinux()) {
      try {
        LongSupplier linux = LinuxClock.reader();
        if (linux.getAsLong() > 0) {
          return new Reader(linux, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
        }
      } catch (LinkageError | RuntimeException e) {
        LOG.debug(
            "clock_gettime through JNA unavailable ({}); using the JVM's process CPU time",
            e.toString());
      }
    }
    return bean();
  }

  /** The JVM's own figure: the management bean when it knows, else the process handle. */
  static Reader bean() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean bean
        && bean.getProcessCpuTime() >= 0) {
      return new Reader(bean::getProcessCpuTime, "JVM process CPU time (clock ticks)");
    }
    return new Reader(
        () ->
            ProcessHandle.current()
                .info()
                .totalCpuDuration()
                .map(java.time.Duration::toNanos)
                .orElse(0L),
        "process handle CPU time (clock ticks)");
  }

  /**
   * libc's clock_gettime, bound directly; the timespec is two C longs (time_t and long on glibc,
   * 32- or 64-bit).
   */
  private static final class LinuxClock {
    static {
      Native.register(LinuxClock.class, Platform.C_LIBRARY_NAME);
    }

    private static final ThreadLocal<long[]> SPEC64 = ThreadLocal.withInitial(() -> new long[2]);
    private static final ThreadLocal<int[]> SPEC32 = ThreadLocal.withInitial(() -> new int[2]);

    private static native int clock_gettime(int clockId, long[] timespec);

    private static native int clock_gettime(int clockId, int[] timespec);

    static LongSupplier reader() {
      return Native.LONG_SIZE == 8 ? LinuxClock::read64 : LinuxClock::read32;
    }

    private static long read64() {
      long[] ts = SPEC64.get();
      if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, ts) != 0) {
        throw new IllegalStateException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
      }
      return ts[0] * 1_000_000_000L + ts[1];
    }

    private static long read32() {
      int[] ts = SPEC32.get();
      if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, ts) != 0) {
        throw new IllegalStateException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
      }
      return (ts[0] & 0xffffffffL) * 1_000_000_000L + ts[1];
    }
  }
}
