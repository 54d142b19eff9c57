package dev.edgesplit.bench;

import java.lang.management.ManagementFactory;

/**
 * Bytes allocated on the Java heap by the current thread, from HotSpot's {@code
 * com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}: counts every TLAB and
 * outside-TLAB allocation the thread made, so the difference around a call is what that call
 * allocated.
 */
public final class ThreadAllocations {

  private final com.sun.management.ThreadMXBean bean;

  public ThreadAllocations() {
    if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean hotspot)
        || !hotspot.isThreadAllocatedMemorySupported()) {
      throw new UnsupportedOperationException("this JVM does not count allocated bytes per thread");
    }
    hotspot.setThreadAllocatedMemoryEnabled(true);
    this.bean = hotspot;
  }

  /** Bytes allocated by the calling thread since it started. */
  public long current() {
    return bean.getCurrentThreadAllocatedBytes();
  }
}
