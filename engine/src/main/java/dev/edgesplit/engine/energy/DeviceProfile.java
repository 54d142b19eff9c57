package dev.edgesplit.engine.energy;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Idle and full-CPU power of a device, for the {@link EstimatedMeter} when no sensor is available.
 *
 * @param id stable identifier ("rpi5", ...)
 * @param name for people
 * @param idleWatts whole-device power at idle
 * @param maxWatts whole-device power with every CPU core busy
 * @param basis where the two numbers come from; printed with every estimate
 */
public record DeviceProfile(
    String id, String name, double idleWatts, double maxWatts, String basis) {

  /** Raspberry Pi 4 Model B. */
  public static final DeviceProfile RASPBERRY_PI_4 =
      new DeviceProfile(
          "rpi4",
          "Raspberry Pi 4 Model B",
          2.7,
          6.4,
          "assumption: commonly published wall-power bench figures for the Pi 4B (about 2.7 W idle, 6.4 W stress)");

  /** Raspberry Pi 5. */
  public static final DeviceProfile RASPBERRY_PI_5 =
      new DeviceProfile(
          "rpi5",
          "Raspberry Pi 5",
          2.7,
          10.0,
          "DESIGN.md section 3: about 2.7 W idle, 8-12 W under full CPU load while decoding (11.9 W peak, section 6)");

  /** NVIDIA Jetson Orin Nano developer kit, CPU decode. */
  public static final DeviceProfile JETSON_ORIN_NANO =
      new DeviceProfile(
          "jetson-orin-nano",
          "NVIDIA Jetson Orin Nano",
          5.0,
          15.0,
          "assumption: about 5 W idle; 15 W is the module's highest standard nvpmodel power budget");

  /** A generic single-socket x86-64 server. */
  public static final DeviceProfile GENERIC_X86_SERVER =
      new DeviceProfile(
          "x86-server",
          "generic x86-64 server",
          50.0,
          150.0,
          "assumption: rough single-socket server figures, not measured; calibrate for real use");

  /** Every built-in profile. */
  public static final List<DeviceProfile> BUILT_IN =
      List.of(RASPBERRY_PI_4, RASPBERRY_PI_5, JETSON_ORIN_NANO, GENERIC_X86_SERVER);

  public DeviceProfile {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(basis, "basis");
    if (!(idleWatts >= 0) || !(maxWatts >= idleWatts) || !Double.isFinite(maxWatts)) {
      throw new IllegalArgumentException(
          "device profile "
              + id
              + " needs 0 <= idleWatts <= maxWatts, got "
              + idleWatts
              + " and "
              + maxWatts);
    }
  }

  /** The built-in profile with this id. */
  public static DeviceProfile byId(String id) {
    return BUILT_IN.stream()
        .filter(p -> p.id.equalsIgnoreCase(id.trim()))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown device profile '"
                        + id
                        + "' (known: "
                        + String.join(", ", BUILT_IN.stream().map(DeviceProfile::id).toList())
                        + ")"));
  }

  /**
   * Guesses the profile from the device-tree model ({@code <sys>/firmware/devicetree/base/model}),
   * falling back to the generic server.
   */
  public static DeviceProfile detect(Path sysRoot) {
    String model =
        SysfsFiles.readOptionalText(sysRoot.resolve("firmware/devicetree/base/model"))
            .orElse("")
            .replace("\0", "")
            .toLowerCase(Locale.ROOT);
    if (model.contains("raspberry pi 5")) {
      return RASPBERRY_PI_5;
    }
    if (model.contains("raspberry pi 4")) {
      return RASPBERRY_PI_4;
    }
    if (model.contains("orin nano")) {
      return JETSON_ORIN_NANO;
    }
    return GENERIC_X86_SERVER;
  }
}
