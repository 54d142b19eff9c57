package dev.edgesplit.server.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * The JVM and process metrics both servers publish, from Micrometer's own binders: heap and
 * non-heap memory ({@code jvm_memory_*}), GC pauses ({@code jvm_gc_*}), threads, classes, CPU
 * ({@code process_cpu_usage}, {@code system_cpu_usage}), open file descriptors ({@code
 * process_files_open_files}) and uptime ({@code process_uptime_seconds}).
 */
public final class JvmProcessMetrics {

  private JvmProcessMetrics() {}

  /**
   * Binds the binders to {@code registry}. The GC binder listens to the JVM's GC notifications for
   * the life of the process (servers keep one registry for their whole run).
   */
  public static void bindTo(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }
}
