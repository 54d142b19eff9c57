package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository-root ./edgesplit builds on first use and when sources change, then execs the
 * unpacked distribution's launcher from any directory. Runs against a fake checkout and a fake
 * `mvn` that records its arguments and "builds" a tiny archive, so the test is fast and never
 * recurses into Maven.
 */
class RootLauncherTest {
  @TempDir Path work;
  Path repo;
  Path mvnLog;
  Path elsewhere;
  String path;

  @BeforeEach
  void fakeCheckout() throws IOException {
    repo = Files.createDirectories(work.resolve("checkout"));
    Files.copy(Repo.file("edgesplit"), repo.resolve("edgesplit"));
    Files.writeString(
        repo.resolve("pom.xml"),
        "<project>\n  <version>1.2.3</version>\n  <dependencies>\n"
            + "      <version>9.9</version>\n  </dependencies>\n</project>\n");
    Files.createDirectories(repo.resolve("engine/src/main/java"));
    Files.writeString(repo.resolve("engine/src/main/java/A.java"), "class A {}\n");

    Path pack = Files.createDirectories(work.resolve("pack/edgesplit-1.2.3/bin"));
    Path launcher = pack.resolve("edgesplit");
    Files.writeString(launcher, "#!/bin/sh\necho \"dist-launcher $* in $(pwd)\"\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path archive = work.resolve("edgesplit-1.2.3.tar.gz");
    Cmd.Result tar = Cmd.tarGz(archive, work.resolve("pack"), "edgesplit-1.2.3").run();
    assertThat(tar.exitCode()).as(tar.describe()).isZero();

    Path bin = Files.createDirectories(work.resolve("bin"));
    mvnLog = work.resolve("mvn.log");
    Path mvn = bin.resolve("mvn");
    Files.writeString(
        mvn,
        "#!/bin/sh\nset -eu\necho \"$(pwd) $*\" >> '"
            + mvnLog
            + "'\n"
            + "mkdir -p cli/target\ncp '"
            + archive
            + "' cli/target/\n");
    Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
    path = bin + ":/usr/bin:/bin";
    elsewhere = Files.createDirectories(work.resolve("somewhere/else"));
  }

  private Cmd.Result launch(String... args) {
    String[] cmd = new String[args.length + 1];
    cmd[0] = repo.resolve("edgesplit").toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    return Cmd.of(cmd)
        .env("PATH", path)
        .unset("EDGESPLIT_NO_BUILD")
        .unset("EDGESPLIT_MVN_ARGS")
        .dir(elsewhere)
        .run();
  }

  private List<String> builds() throws IOException {
    return Files.exists(mvnLog) ? Files.readAllLines(mvnLog) : List.of();
  }

  @Test
  void firstUse_buildsOnce_thenExecsTheDistLauncherWithTheArguments() throws IOException {
    Cmd.Result first = launch("demo", "--prompt", "Once upon a time");
    assertThat(first.exitCode()).as(first.describe()).isZero();
    assertThat(first.stdout())
        .contains("dist-launcher demo --prompt Once upon a time in " + elsewhere.toRealPath());
    assertThat(builds())
        .singleElement()
        .asString()
        .startsWith(repo.toRealPath() + " ")
        .contains("-DskipTests")
        .endsWith(" package");

    Cmd.Result second = launch("plan");
    assertThat(second.exitCode()).as(second.describe()).isZero();
    assertThat(second.stdout()).contains("dist-launcher plan");
    assertThat(builds()).as("no rebuild when nothing changed").hasSize(1);
  }

  @Test
  void changedSource_triggersARebuild_unlessDisabled() throws IOException {
    assertThat(launch("--help").exitCode()).isZero();
    Path src = repo.resolve("engine/src/main/java/A.java");
    Files.setLastModifiedTime(src, FileTime.from(Instant.now().plusSeconds(5)));

    Cmd.Result skipped =
        Cmd.of(repo.resolve("edgesplit").toString(), "--help")
            .env("PATH", path)
            .env("EDGESPLIT_NO_BUILD", "1")
            .dir(elsewhere)
            .run();
    assertThat(skipped.exitCode()).as(skipped.describe()).isZero();
    assertThat(builds()).hasSize(1);

    assertThat(launch("--help").exitCode()).isZero();
    assertThat(builds()).as("rebuilt after a source change").hasSize(2);
  }

  @Test
  void failedBuild_stopsWithMavensExitCode() throws IOException {
    Files.writeString(
        work.resolve("bin/mvn"), "#!/bin/sh\necho 'compilation failed' >&2\nexit 3\n");
    Cmd.Result r = launch("--help");
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.stderr()).contains("compilation failed");
    assertThat(r.stdout()).doesNotContain("dist-launcher");
  }
}
