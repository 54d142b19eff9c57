package dev.edgesplit.engine.energy;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a power sensor into cumulative energy with the trapezoid rule over successive samples.
 *
 * <p>Samples are taken on every {@link #read()} and, when a positive sample period is given, by a
 * daemon sampler thread between reads, so that bursts shorter than the read interval are still
 * seen. Thread-safe.
 */
final class PowerIntegrator implements EnergyMeter {

  private static final Logger LOG = LoggerFactory.getLogger(PowerIntegrator.class);

  private final PowerSensor sensor;
  private final EnergySource source;
  private final MeterClock clock;
  private final ScheduledExecutorService sampler;

  private double joules;
  private long lastNanos;
  private double lastWatts;
  private boolean closed;
  private boolean samplerFailureLogged;

  /**
   * Takes the first sample now (time zero of the meter) and starts the sampler if {@code
   * samplePeriod} is positive.
   *
   * @throws IOException when the first sample cannot be taken
   */
  PowerIntegrator(PowerSensor sensor, EnergySource source, MeterClock clock, Duration samplePeriod)
      throws IOException {
    this.sensor = Objects.requireNonNull(sensor, "sensor");
    this.source = Objects.requireNonNull(source, "source");
    this.clock = Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(samplePeriod, "samplePeriod");
    this.lastWatts = checked(sensor.watts());
    this.lastNanos = clock.nanoTime();
    if (samplePeriod.isNegative() || samplePeriod.isZero()) {
      this.sampler = null;
    } else {
      this.sampler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "energy-sampler-" + source.kind());
                t.setDaemon(true);
                return t;
              });
      long periodNanos = samplePeriod.toNanos();
      sampler.scheduleAtFixedRate(
          this::backgroundSample, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public synchronized EnergyReading read() {
    if (closed) {
      throw new IllegalStateException("energy meter " + source.kind() + " is closed");
    }
    try {
      sample();
    } catch (IOException e) {
      throw new EnergyMeterException(
          "energy meter " + source.kind() + " failed: " + e.getMessage(), e);
    }
    return new EnergyReading(joules, clock.now(), source);
  }

  @Override
  public EnergySource source() {
    return source;
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (sampler != null) {
      sampler.shutdownNow();
    }
  }

  private synchronized void backgroundSample() {
    if (closed) {
      return;
    }
    try {
      sample();
    } catch (IOException | RuntimeException e) {
      // The next read() reports the failure to its caller; here we only note it once.
      if (!samplerFailureLogged) {
        samplerFailureLogged = true;
        LOG.warn("background sample of {} failed: {}", source.kind(), e.toString());
      }
    }
  }

  private void sample() throws IOException {
    double watts = checked(sensor.watts());
    long now = clock.nanoTime();
    double seconds = Math.max(0, now - lastNanos) / 1e9;
    joules += 0.5 * (lastWatts + watts) * seconds;
    lastWatts = watts;
    lastNanos = now;
  }

  private double checked(double watts) throws IOException {
    if (!Double.isFinite(watts) || watts < 0) {
      throw new IOException(source.description() + " gave an impossible power of " + watts + " W");
    }
    return watts;
  }
}
