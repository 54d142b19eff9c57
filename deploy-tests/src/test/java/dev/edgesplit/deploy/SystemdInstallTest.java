package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/systemd/install.sh staged into a fake root (DESTDIR) twice leaves the same tree, keeps the
 * operator's config, and the unit it installs passes {@code systemd-analyze verify} with no
 * complaint.
 */
class SystemdInstallTest {
  private static final String UNIT = "edgesplit-edge.service";

  @TempDir Path work;
  Path archive;

  /**
   * A minimal distribution (real launcher and configs, placeholder jar) packed like the real one.
   */
  @BeforeEach
  void fakeDistribution() throws IOException {
    Path dist = Files.createDirectories(work.resolve("pack/edgesplit-9.9.9"));
    Files.createDirectories(dist.resolve("bin"));
    Files.createDirectories(dist.resolve("lib"));
    Files.createDirectories(dist.resolve("conf"));
    Files.copy(Repo.file("cli/src/dist/bin/edgesplit"), dist.resolve("bin/edgesplit"));
    Files.writeString(dist.resolve("lib/edgesplit-cli-9.9.9.jar"), "placeholder");
    try (Stream<Path> confs = Files.list(Repo.file("cli/src/dist/conf"))) {
      for (Path c : (Iterable<Path>) confs::iterator) {
        Files.copy(c, dist.resolve("conf").resolve(c.getFileName()));
      }
    }
    archive = work.resolve("edgesplit-9.9.9.tar.gz");
    Cmd.Result tar = Cmd.tarGz(archive, work.resolve("pack"), "edgesplit-9.9.9").run();
    assertThat(tar.exitCode()).as(tar.describe()).isZero();
  }

  private Cmd.Result install(Path root, String... extra) {
    String[] cmd = new String[3 + extra.length];
    cmd[0] = Repo.file("deploy/systemd/install.sh").toString();
    cmd[1] = "--dist";
    cmd[2] = archive.toString();
    System.arraycopy(extra, 0, cmd, 3, extra.length);
    return Cmd.of(cmd).env("DESTDIR", root.toString()).dir(work).run();
  }

  @Test
  void install_isIdempotent_andKeepsOperatorConfig() throws IOException {
    Path root = work.resolve("root");
    Cmd.Result first = install(root);
    assertThat(first.exitCode()).as(first.describe()).isZero();
    Map<String, String> afterFirst = FileTree.snapshot(root);

    Cmd.Result second = install(root);
    assertThat(second.exitCode()).as(second.describe()).isZero();
    assertThat(FileTree.snapshot(root)).isEqualTo(afterFirst);

    assertThat(root.resolve("opt/edgesplit/9.9.9/bin/edgesplit")).isExecutable();
    assertThat(Files.readSymbolicLink(root.resolve("opt/edgesplit/current")))
        .isEqualTo(Path.of("9.9.9"));
    assertThat(Files.readSymbolicLink(root.resolve("usr/local/bin/edgesplit")))
        .isEqualTo(Path.of("/opt/edgesplit/current/bin/edgesplit"));
    assertThat(root.resolve("etc/edgesplit/edge.yaml"))
        .hasSameTextualContentAs(Repo.file("cli/src/dist/conf/edge.yaml"));
    assertThat(root.resolve("etc/systemd/system").resolve(UNIT))
        .hasSameTextualContentAs(Repo.file("deploy/systemd/" + UNIT));
    assertThat(root.resolve("etc/tmpfiles.d/edgesplit.conf")).isRegularFile();
    assertThat(root.resolve("var/lib/edgesplit/models")).isDirectory();

    Files.writeString(root.resolve("etc/edgesplit/edge.yaml"), "listen: 127.0.0.1:6000\n");
    Cmd.Result third = install(root);
    assertThat(third.exitCode()).as(third.describe()).isZero();
    assertThat(root.resolve("etc/edgesplit/edge.yaml"))
        .content()
        .isEqualTo("listen: 127.0.0.1:6000\n");
    assertThat(third.stdout()).contains("keeping existing");
  }

  @Test
  void install_withPrefix_rewritesTheUnitPaths() throws IOException {
    Path root = work.resolve("root");
    Cmd.Result r = install(root, "--prefix", "/srv/edgesplit");
    assertThat(r.exitCode()).as(r.describe()).isZero();
    String unit = Files.readString(root.resolve("etc/systemd/system").resolve(UNIT));
    assertThat(unit)
        .contains("ExecStart=/srv/edgesplit/current/bin/edgesplit edge")
        .doesNotContain("/opt/edgesplit");
    assertThat(root.resolve("srv/edgesplit/current/bin/edgesplit")).isExecutable();
  }

  @Test
  void install_refusesSomethingThatIsNotADistribution() throws IOException {
    Path notDist = Files.createDirectories(work.resolve("empty"));
    Cmd.Result r =
        Cmd.of(Repo.file("deploy/systemd/install.sh").toString(), "--dist", notDist.toString())
            .env("DESTDIR", work.resolve("root").toString())
            .run();
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.stderr()).contains("not an edgesplit distribution");
  }

  @Test
  void unit_passesSystemdAnalyzeVerify_withNoWarnings() throws IOException {
    Path root = stagedRootWithSystemdUnits();
    Cmd.Result r = verify(root);
    assertThat(r.exitCode()).as(r.describe()).isZero();
    assertThat(r.stdout() + r.stderr()).as(r.describe()).isBlank();
  }

  @Test
  void verify_reportsABrokenUnit_soTheCheckAboveCanFail() throws IOException {
    Path root = stagedRootWithSystemdUnits();
    Path unit = root.resolve("etc/systemd/system").resolve(UNIT);
    Files.writeString(
        unit,
        Files.readString(unit)
            .replace("\nProtectSystem=strict\n", "\nProtectSystem=strictest\nRestartt=always\n"));
    Cmd.Result r = verify(root);
    assertThat(r.stdout() + r.stderr()).contains("strictest").contains("Unknown key 'Restartt'");
  }

  @Test
  void unit_sandboxExposure_isLow() throws IOException {
    Path root = stagedRootWithSystemdUnits();
    Cmd.Result r =
        Cmd.of("systemd-analyze", "--offline=true", "--root=" + root, "security", UNIT).run();
    Matcher m =
        Pattern.compile("Overall exposure level for " + Pattern.quote(UNIT) + ": ([0-9.]+)")
            .matcher(r.stdout() + r.stderr());
    assertThat(m.find()).as(r.describe()).isTrue();
    assertThat(Double.parseDouble(m.group(1)))
        .as("systemd-analyze security exposure (0 safe .. 10 exposed)")
        .isLessThanOrEqualTo(4.0);
  }

  @Test
  void unit_hasTheHardeningAndLimitsTheBoardNeeds() throws IOException {
    String unit = Files.readString(Repo.file("deploy/systemd/" + UNIT));
    assertThat(unit)
        .contains(
            "User=edgesplit",
            "Restart=on-failure",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "PrivateTmp=yes",
            "ReadWritePaths=/var/lib/edgesplit",
            "StateDirectory=edgesplit",
            "Environment=ORT_DISABLE_TELEMETRY=1",
            "ExecStart=/opt/edgesplit/current/bin/edgesplit edge --config /etc/edgesplit/edge.yaml",
            "/sys/class/thermal",
            "/sys/class/powercap",
            "/sys/class/hwmon");
    Matcher max = Pattern.compile("(?m)^MemoryMax=(\\d+)([MG])$").matcher(unit);
    assertThat(max.find()).as("MemoryMax in M or G").isTrue();
    long mib = Long.parseLong(max.group(1)) * (max.group(2).equals("G") ? 1024 : 1);
    assertThat(mib).as("MemoryMax (MiB) on a 4-8 GB board").isBetween(1024L, 4096L);
    assertThat(unit).doesNotContain("MemoryDenyWriteExecute=yes"); // the JIT needs W+X pages
  }

  private Path stagedRootWithSystemdUnits() throws IOException {
    assumeTrue(
        Cmd.onPath("systemd-analyze"),
        "systemd-analyze not installed: run deploy-tests/setup.sh (apt-get install systemd)");
    Path root = work.resolve("root");
    Cmd.Result r = install(root);
    assertThat(r.exitCode()).as(r.describe()).isZero();
    // verify resolves dependencies (sysinit.target, network-online.target ...) inside --root.
    Path hostUnits =
        Files.isDirectory(Path.of("/usr/lib/systemd/system"))
            ? Path.of("/usr/lib/systemd/system")
            : Path.of("/lib/systemd/system");
    Path units = Files.createDirectories(root.resolve("usr/lib/systemd/system"));
    try (Stream<Path> files = Files.list(hostUnits)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(f)) {
          Files.copy(f, units.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    return root;
  }

  private static Cmd.Result verify(Path root) {
    return Cmd.of("systemd-analyze", "--root=" + root, "verify", UNIT).run();
  }
}
