package dev.edgesplit.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options both servers take; each becomes a config override (flags beat the file and the
 * environment).
 */
final class ServerOptions {

  @Option(names = "--config", paramLabel = "FILE", description = "YAML or .properties config file.")
  Path config;

  @Option(
      names = "--cut",
      paramLabel = "K",
      description = "Layer cut (default: model.cut from the config).")
  Integer cut;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description =
          "Listen address (default: the edge 127.0.0.1:50051, the cloud 127.0.0.1:50052).")
  String listen;

  @Option(
      names = "--metrics",
      paramLabel = "HOST:PORT|off",
      description =
          "Prometheus /metrics endpoint (default: the edge 127.0.0.1:9101, the cloud 127.0.0.1:9102), or off.")
  String metrics;

  @Option(
      names = "--insecure",
      description =
          "Allow a non-loopback address without TLS (and, for the cloud, client certificates); logged loudly.")
  boolean insecure;

  /** The overrides these flags stand for. */
  Map<String, String> overrides() {
    Map<String, String> overrides = new HashMap<>();
    if (cut != null) {
      overrides.put("model.cut", String.valueOf(cut));
    }
    if (listen != null) {
      HostPort hp = HostPort.parse(listen);
      overrides.put("listen.host", hp.host());
      overrides.put("listen.port", String.valueOf(hp.port()));
    }
    if (metrics != null) {
      overrides.put(
          "metrics.listen", metrics.equals("off") ? "off" : HostPort.parse(metrics).toString());
    }
    if (insecure) {
      overrides.put("insecure", "true");
    }
    return overrides;
  }

  /** Puts {@code key} when {@code value} was given. */
  static void put(Map<String, String> overrides, String key, Path value) {
    if (value != null) {
      overrides.put(key, value.toString());
    }
  }
}
