package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.edgesplit.testkit.Stories260k;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The board's unit for real: systemd as PID 1 in a container ({@code podman run --systemd=always}),
 * the distribution installed by deploy/systemd/install.sh as its README says, the model copied
 * where the sample config looks, a cloud worker beside it (a transient unit on loopback), then
 * {@code systemctl enable --now}. Needs podman and the systemd base image from
 * deploy-tests/setup-containers.sh; skipped, saying why, without.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class SystemdUnitContainerTest {
  private static final String UNIT = "edgesplit-edge.service";
  private static final Duration START = Duration.ofMinutes(5);

  /**
   * What a podman container on a cgroup v1 (hybrid) host like CI's cannot give the unit, measured:
   * systemd accepts these settings and applies what it can, silently (`systemctl show` still lists
   * them).
   */
  static final Map<String, String> CONTAINER_CANNOT =
      Map.of(
          "MemoryMax",
              "cgroup v1: the memory controller is not delegated to the container's systemd"
                  + " (the unit gets no memory cgroup of its own)",
          "MemoryHigh", "cgroup v2 only (memory.high); this host has the v1 memory controller",
          "DevicePolicy",
              "cgroup v1: the devices controller is not delegated to the container's systemd",
          "DeviceAllow",
              "cgroup v1: the devices controller is not delegated to the container's systemd",
          "LimitNOFILE",
              "the container's hard limit (20000 here) cannot be raised (EPERM): systemd sets the"
                  + " closest value it may");

  @TempDir static Path work;
  private Engine engine;
  private String container;

  @BeforeAll
  void bootAndInstall() throws IOException {
    Engine.assume(Engine.get().isPresent(), Engine.NONE);
    engine = Engine.get().orElseThrow();
    Engine.assume(
        engine.isPodman(),
        "systemd as PID 1 needs `podman run --systemd=always`; the engine is " + engine.command());
    Engine.assume(
        engine.imageExists(Engine.CI_SYSTEMD),
        "no systemd base image " + Engine.CI_SYSTEMD + ": run deploy-tests/setup-containers.sh");
    Path archive = Repo.distArchive();
    container = "edgesplit-systemd-test-" + ProcessHandle.current().pid();
    engine.remove(container);
    engine.removeOnExit(container);
    // --privileged: systemd needs CAP_SYS_ADMIN for the service's mount and UTS namespaces
    // (ProtectSystem,
    // ProtectHome, PrivateTmp, ProtectKernel*, ProtectHostname); without it, it skips them, most
    // silently.
    engine.ok(
        "run",
        "-d",
        "--name",
        container,
        "--systemd=always",
        "--privileged",
        "-v",
        archive + ":/tmp/edgesplit.tar.gz:ro",
        "-v",
        Repo.file("deploy/systemd") + ":/src/systemd:ro",
        Engine.CI_SYSTEMD,
        "/sbin/init");
    await("systemd boots")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                exec("systemctl", "is-system-running").stdout().trim().matches("running|degraded"));
    assertThat(exec("systemctl", "is-system-running").stdout().trim())
        .as("failed units: %s", exec("systemctl", "--failed", "--no-legend").stdout())
        .isEqualTo("running");

    Cmd.Result install =
        engine.run(
            Duration.ofMinutes(5),
            "exec",
            container,
            "/src/systemd/install.sh",
            "--dist",
            "/tmp/edgesplit.tar.gz");
    assertThat(install.exitCode()).as(install.describe()).isZero();
    // What the operator does next: the model where edge.yaml looks, the worker's address in
    // edgesplit.env.
    engine.ok(
        "cp",
        WorkerImage.models().resolve("stories260K").toString(),
        container + ":/var/lib/edgesplit/models/");
    sh(
        "chown -R edgesplit:edgesplit /var/lib/edgesplit/models"
            + " && echo EDGESPLIT_CLOUD_TARGET=127.0.0.1:50061 >> /etc/edgesplit/edgesplit.env"
            // A cold JVM's first connection took over the default 5 s on the loaded 2-core CI
            // machine.
            + " && echo EDGESPLIT_CLOUD_HANDSHAKE_TIMEOUT_MS=60000 >> /etc/edgesplit/edgesplit.env");
    Path cloud = work.resolve("cloud.yaml");
    Files.writeString(
        cloud,
        """
                listen: 127.0.0.1:50061
                model:
                  dir: /var/lib/edgesplit/models/stories260K
                  cut: 1
                tls:
                  enabled: false
                health:
                  listen: "off"
                metrics:
                  listen: "off"
                """);
    engine.ok("cp", cloud.toString(), container + ":/etc/edgesplit/cloud.yaml");
    sh(
        "systemd-run --unit=edgesplit-cloud --property=User=edgesplit"
            + " --property=Environment=EDGESPLIT_HOME=/var/lib/edgesplit"
            + " /opt/edgesplit/current/bin/edgesplit cloud --config /etc/edgesplit/cloud.yaml");
    await("the cloud worker listens, " + journal("edgesplit-cloud"))
        .atMost(START)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> journal("edgesplit-cloud").contains("cloud worker serving"));
    sh("systemctl enable --now " + UNIT);
  }

  @AfterAll
  void remove() {
    if (container != null) {
      engine.remove(container);
    }
  }

  @Test
  @Order(1)
  void startsAndServesTheReferenceText_withoutComplaintsFromSystemd() {
    awaitServing();
    assertThat(journal(UNIT)).doesNotContain("already exists but the mode is different");
  }

  /**
   * Each hardening directive of the unit, checked on the running process; the ones a container
   * refuses.
   */
  @Test
  @Order(2)
  void runsUnderEveryHardeningDirectiveItDeclares() throws IOException {
    awaitServing();
    String pid = show("MainPID");
    String status = exec("cat", "/proc/" + pid + "/status").stdout();
    String mounts = exec("cat", "/proc/" + pid + "/mountinfo").stdout();
    String limits = exec("cat", "/proc/" + pid + "/limits").stdout();
    String cgroup = exec("cat", "/proc/" + pid + "/cgroup").stdout();
    boolean ownUts =
        !exec("readlink", "/proc/" + pid + "/ns/uts")
            .stdout()
            .equals(exec("readlink", "/proc/1/ns/uts").stdout());

    Map<String, Predicate<String>> checks = new LinkedHashMap<>();
    checks.put("User", v -> exec("stat", "-c", "%U", "/proc/" + pid).stdout().trim().equals(v));
    checks.put("Group", v -> exec("stat", "-c", "%G", "/proc/" + pid).stdout().trim().equals(v));
    checks.put("NoNewPrivileges", v -> status.contains("NoNewPrivs:\t1"));
    checks.put("CapabilityBoundingSet", v -> status.contains("CapBnd:\t0000000000000000"));
    checks.put("AmbientCapabilities", v -> status.contains("CapAmb:\t0000000000000000"));
    checks.put("UMask", v -> status.contains("Umask:\t" + v));
    checks.put(
        "LimitNOFILE", v -> limits.matches("(?s).*Max open files\\s+" + v + "\\s+" + v + ".*"));
    checks.put(
        "ProtectSystem", v -> readOnly(mounts, "/")); // strict: all of it, /usr and /etc included
    checks.put("ProtectHome", v -> mounted(mounts, "/home") && mounted(mounts, "/root"));
    checks.put("PrivateTmp", v -> mounted(mounts, "/tmp") && mounted(mounts, "/var/tmp"));
    checks.put("ReadWritePaths", v -> mounted(mounts, v) && !readOnly(mounts, v));
    checks.put(
        "ReadOnlyPaths", v -> true); // under ProtectSystem=strict already; paths are optional (-)
    checks.put(
        "ProtectKernelTunables", v -> readOnly(mounts, "/proc/sys") && readOnly(mounts, "/sys"));
    // No /lib/modules in the image to hide: no CAP_SYS_MODULE and the seccomp filter show it.
    checks.put(
        "ProtectKernelModules",
        v -> status.contains("CapBnd:\t0000000000000000") && status.contains("Seccomp:\t2"));
    checks.put("ProtectKernelLogs", v -> mounted(mounts, "/proc/kmsg"));
    checks.put("ProtectControlGroups", v -> readOnly(mounts, "/sys/fs/cgroup"));
    checks.put("ProtectHostname", v -> ownUts);
    // Enforced by the seccomp filter systemd installs (Seccomp: 2 = filter mode).
    for (String seccomp :
        List.of(
            "SystemCallArchitectures",
            "RestrictAddressFamilies",
            "RestrictNamespaces",
            "RestrictRealtime",
            "RestrictSUIDSGID",
            "LockPersonality",
            "ProtectClock")) {
      checks.put(seccomp, v -> status.contains("Seccomp:\t2"));
    }
    checks.put(
        "DevicePolicy",
        v -> ownCgroup(cgroup, "devices") && deviceRules(cgroup).contains("c 1:3 rw"));
    checks.put("DeviceAllow", checks.get("DevicePolicy"));
    checks.put(
        "MemoryMax",
        v ->
            ownCgroup(cgroup, "memory")
                && cgroupFile(cgroup, "memory", "memory.limit_in_bytes")
                    .equals(String.valueOf(3L << 30)));
    checks.put(
        "MemoryHigh",
        v -> cgroupFile(cgroup, "", "memory.high").equals(String.valueOf(2560L << 20)));
    checks.put("OOMPolicy", v -> show("OOMPolicy").equals(v));

    Map<String, String> declared = hardening(Files.readString(Repo.file("deploy/systemd/" + UNIT)));
    Map<String, String> unmet = new TreeMap<>();
    for (var d : declared.entrySet()) {
      assertThat(checks)
          .as("a check for %s=%s (a new directive needs one here)", d.getKey(), d.getValue())
          .containsKey(d.getKey());
      if (!checks.get(d.getKey()).test(d.getValue())) {
        unmet.put(d.getKey(), d.getValue());
      }
    }
    String journal = journal(UNIT);
    StringBuilder report =
        new StringBuilder(
            "SystemdUnitContainerTest: "
                + (declared.size() - unmet.size())
                + " of "
                + declared.size()
                + " hardening and limit settings in force; not applicable in this container:\n");
    unmet
        .keySet()
        .forEach(
            k ->
                report
                    .append("  ")
                    .append(k)
                    .append(": ")
                    .append(CONTAINER_CANNOT.getOrDefault(k, "NOT EXPLAINED"))
                    .append('\n'));
    System.out.print(
        report.append("systemd's own notes on the unit:\n").append(systemdNotes(journal)));
    assertThat(CONTAINER_CANNOT)
        .as(report.toString())
        .containsKeys(unmet.keySet().toArray(String[]::new));
  }

  @Test
  @Order(3)
  void restartsAfterKill9() {
    awaitServing();
    String before = show("MainPID");
    sh("kill -9 " + before);
    await("a new main process after kill -9")
        .atMost(START)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> !show("MainPID").equals(before) && !show("MainPID").equals("0"));
    assertThat(Integer.parseInt(show("NRestarts"))).isPositive();
    awaitServing();
  }

  @Test
  @Order(4)
  void stopLeavesTheUnitInactive_notFailed() {
    awaitServing();
    String since = exec("date", "+%Y-%m-%d %H:%M:%S").stdout().trim();
    Cmd.Result stop = exec("systemctl", "stop", UNIT);
    assertThat(stop.exitCode()).as(stop.describe()).isZero();
    assertThat(show("ActiveState")).isEqualTo("inactive");
    assertThat(show("Result")).isEqualTo("success");
    assertThat(show("ExecMainStatus")).as("the JVM's exit status").isEqualTo("0");
    assertThat(exec("systemctl", "is-failed", UNIT).stdout().trim()).isEqualTo("inactive");
    String stopping =
        exec("journalctl", "--no-pager", "-o", "short", "-u", UNIT, "--since", since).stdout();
    assertThat(stopping)
        .contains("SIGTERM: draining open sessions")
        .contains("Deactivated successfully")
        .doesNotContain("Failed with result");
  }

  private void awaitServing() {
    await("Generate answers inside the container, " + journal(UNIT))
        .atMost(START)
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () ->
                exec("/usr/local/bin/edgesplit", "generate", "--deadline-seconds", "60").exitCode()
                    == 0);
    Cmd.Result r = exec("/usr/local/bin/edgesplit", "generate");
    assertThat(r.exitCode()).as(r.describe()).isZero();
    assertThat(r.stdout()).isEqualTo(Stories260k.REFERENCE + "\n");
  }

  /** The [Service] settings that restrict the process (hardening, sandbox, resource limits). */
  static Map<String, String> hardening(String unit) {
    Pattern p =
        Pattern.compile(
            "(?m)^(User|Group|NoNewPrivileges|Protect\\w+|Private\\w+|Restrict\\w+|ReadWritePaths"
                + "|ReadOnlyPaths|Device\\w+|LockPersonality|CapabilityBoundingSet|AmbientCapabilities"
                + "|SystemCallArchitectures|UMask|LimitNOFILE|Memory\\w+|OOMPolicy)=(.*)$");
    Map<String, String> out = new LinkedHashMap<>();
    for (Matcher m = p.matcher(unit); m.find(); ) {
      out.put(m.group(1), m.group(2).trim());
    }
    return out;
  }

  private static boolean mounted(String mountinfo, String path) {
    return mountinfo.lines().anyMatch(l -> l.split(" ")[4].equals(path));
  }

  private static boolean readOnly(String mountinfo, String path) {
    List<String> opts = new ArrayList<>();
    mountinfo
        .lines()
        .filter(l -> l.split(" ")[4].equals(path))
        .forEach(l -> opts.add(l.split(" ")[5]));
    return !opts.isEmpty() && opts.get(opts.size() - 1).matches("ro(,.*)?");
  }

  /** The process sits in a cgroup of its own (the unit's) in v1 hierarchy {@code controller}. */
  private static boolean ownCgroup(String procCgroup, String controller) {
    return procCgroup.lines().anyMatch(l -> l.matches("\\d+:" + controller + ":.*/" + UNIT));
  }

  private String deviceRules(String procCgroup) {
    return cgroupFile(procCgroup, "devices", "devices.list");
  }

  /**
   * A file of the unit's cgroup in hierarchy {@code controller} ("" = the unified one), or "" when
   * absent.
   */
  private String cgroupFile(String procCgroup, String controller, String file) {
    Cmd.Result r =
        exec(
            "sh",
            "-c",
            "find /sys/fs/cgroup/"
                + (controller.isEmpty() ? "unified" : controller)
                + " -path '*/"
                + UNIT
                + "/"
                + file
                + "' | head -1 | xargs -r cat");
    return r.stdout().trim();
  }

  /**
   * What systemd said about the unit's setup: the lines of PID 1 that name the unit, warnings
   * first.
   */
  private static String systemdNotes(String journal) {
    StringBuilder out = new StringBuilder();
    journal
        .lines()
        .filter(l -> l.contains("systemd[1]") && !l.contains("Start") && !l.contains("Stopp"))
        .forEach(l -> out.append("  ").append(l).append('\n'));
    return out.toString();
  }

  private String show(String property) {
    return exec("systemctl", "show", "-P", property, UNIT).stdout().trim();
  }

  private String journal(String unit) {
    return exec("journalctl", "--no-pager", "-o", "short", "-u", unit).stdout();
  }

  private void sh(String script) {
    Cmd.Result r = engine.run(Duration.ofMinutes(2), "exec", container, "sh", "-c", script);
    assertThat(r.exitCode()).as(r.describe()).isZero();
  }

  private Cmd.Result exec(String... command) {
    List<String> args = new ArrayList<>(List.of("exec", container));
    args.addAll(List.of(command));
    return engine.run(Duration.ofMinutes(2), args.toArray(String[]::new));
  }
}
