package dev.edgesplit.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.edgesplit.testkit.Stories260k;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive, unpacked in a fresh directory, runs with nothing but a JRE: layout, the
 * launcher's short command line, ORT natives loaded from native/ (not /tmp), the manifest
 * classpath.
 */
class DistributionArchiveTest {
  @TempDir static Path unpacked;
  static Path home;

  /**
   * Per test (not @BeforeAll) so that a missing archive shows as each test skipped, with the
   * reason.
   */
  @BeforeEach
  void unpackOnce() {
    Path archive = Repo.distArchive();
    if (home != null) {
      return;
    }
    Cmd.Result r = Cmd.of("tar", "-xzf", archive.toString(), "-C", unpacked.toString()).run();
    assertThat(r.exitCode()).as(r.describe()).isZero();
    home = unpacked.resolve("edgesplit-" + Repo.version());
  }

  @Test
  void archive_hasLauncherJarsNativesConfigsAndReadme() throws IOException {
    assertThat(home.resolve("bin/edgesplit")).isRegularFile().isExecutable();
    assertThat(Files.getPosixFilePermissions(home.resolve("bin/edgesplit")))
        .contains(PosixFilePermission.OTHERS_EXECUTE);
    assertThat(home.resolve("README.md")).isRegularFile();
    for (String conf : List.of("edge.yaml", "cloud.yaml", "logback.xml")) {
      assertThat(home.resolve("conf").resolve(conf)).isRegularFile();
    }
    for (String arch : List.of("linux-x64", "linux-aarch64")) {
      assertThat(home.resolve("native").resolve(arch).resolve("libonnxruntime.so")).isRegularFile();
      assertThat(home.resolve("native").resolve(arch).resolve("libonnxruntime4j_jni.so"))
          .isRegularFile();
    }
    for (String model : List.of("stories260K.bin", "tok512.bin", "LICENSE", "PROVENANCE.md")) {
      assertThat(home.resolve("models/stories260K").resolve(model)).isRegularFile();
    }
    assertThat(home.resolve("systemd/edgesplit-edge.service")).isRegularFile();
    assertThat(home.resolve("systemd/install.sh")).isExecutable();
    try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
      assertThat(jars.map(p -> p.getFileName().toString()))
          .contains(
              "edgesplit-cli-" + Repo.version() + ".jar",
              "edgesplit-engine-" + Repo.version() + ".jar",
              "edgesplit-edge-agent-" + Repo.version() + ".jar",
              "edgesplit-cloud-worker-" + Repo.version() + ".jar")
          .anyMatch(n -> n.startsWith("onnxruntime-"))
          .anyMatch(n -> n.startsWith("picocli-"))
          .allMatch(n -> n.endsWith(".jar"));
    }
  }

  @Test
  void cliJarManifest_namesMainClassAndEverySiblingJar() throws IOException {
    Path cliJar = home.resolve("lib/edgesplit-cli-" + Repo.version() + ".jar");
    try (JarFile jar = new JarFile(cliJar.toFile())) {
      Attributes main = jar.getManifest().getMainAttributes();
      assertThat(main.getValue("Main-Class")).isEqualTo("dev.edgesplit.cli.Main");
      List<String> classPath = Arrays.asList(main.getValue("Class-Path").trim().split("\\s+"));
      assertThat(classPath).isNotEmpty();
      for (String entry : classPath) {
        assertThat(home.resolve("lib").resolve(entry))
            .as("Class-Path entry %s", entry)
            .isRegularFile();
      }
    }
  }

  @Test
  void launcher_startsJvmWithShortCommandLineTelemetryOffAndUnpackedNatives(@TempDir Path work)
      throws IOException {
    Path jvmTmp = Files.createDirectories(work.resolve("jvm-tmp"));
    Properties seen = probe(work, "-Djava.io.tmpdir=" + jvmTmp, Path.of("/"));

    assertThat(Integer.parseInt(seen.getProperty("cmdline.bytes")))
        .as("java command line bytes")
        .isLessThan(1024);
    assertThat(seen.getProperty("env.ORT_DISABLE_TELEMETRY")).isEqualTo("1");
    assertThat(seen.getProperty("env.CLASSPATH")).isEqualTo(home.toRealPath() + "/lib/*");
    assertThat(seen.getProperty("java.class.path"))
        .contains("onnxruntime-")
        .contains("edgesplit-cli-");
    assertThat(seen.getProperty("edgesplit.home")).isEqualTo(home.toRealPath().toString());
    assertThat(seen.getProperty("logback.configurationFile"))
        .isEqualTo(home.toRealPath() + "/conf/logback.xml");
    String arch = System.getProperty("os.arch").equals("aarch64") ? "linux-aarch64" : "linux-x64";
    assertThat(seen.getProperty("onnxruntime.native.path"))
        .isEqualTo(home.toRealPath() + "/native/" + arch);
    assertThat(seen.getProperty("ort.environment"))
        .as("ORT error: %s", seen.getProperty("ort.error"))
        .contains("OrtEnvironment");
    try (Stream<Path> left = Files.list(jvmTmp)) {
      assertThat(left.map(Path::toString))
          .as("ORT must not unpack natives into java.io.tmpdir")
          .noneMatch(n -> n.contains("onnxruntime"));
    }
  }

  @Test
  void demo_runsTheShippedModel_withoutSharedModelsNetworkOrWorkspace(@TempDir Path work)
      throws IOException {
    Path workspace = Files.createDirectories(work.resolve("empty-home"));
    Cmd.Result r =
        Cmd.of(home.resolve("bin/edgesplit").toString(), "demo")
            .unset("EDGESPLIT_MODELS")
            .unset("EDGESPLIT_MODEL")
            // Any download attempt would fail here, so the text can only come from the shipped
            // model.
            .env("EDGESPLIT_DOWNLOAD_BASE", "http://127.0.0.1:9/")
            .env("EDGESPLIT_HOME", workspace.toString())
            .dir(work)
            .timeout(Duration.ofMinutes(5))
            .run();
    assertThat(r.exitCode()).as(r.describe()).isZero();
    // llama2.c's own greedy continuation, up to where the demo's 96 tokens end.
    assertThat(r.stdout()).as(r.describe()).contains(Stories260k.REFERENCE.substring(0, 200));
    assertThat(r.stderr()).doesNotContain("downloading", "synthetic");
    assertThat(workspace.resolve("models")).doesNotExist();
  }

  @Test
  void launcher_followsSymlinks_andWorksFromAnyDirectory(@TempDir Path work) throws IOException {
    Path linkDir = Files.createDirectories(work.resolve("usr/local/bin"));
    Path link =
        Files.createSymbolicLink(linkDir.resolve("edgesplit"), home.resolve("bin/edgesplit"));
    Properties seen = probeWith(work, link, "", work);
    assertThat(seen.getProperty("edgesplit.home")).isEqualTo(home.toRealPath().toString());
    Files.delete(link);
  }

  @Test
  void launcher_failsClearly_whenJavaHomeIsWrong(@TempDir Path work) {
    Cmd.Result r =
        Cmd.of(home.resolve("bin/edgesplit").toString(), "--help")
            .env("JAVA_HOME", work.resolve("no-such-jdk").toString())
            .dir(work)
            .run();
    assertThat(r.exitCode()).as(r.describe()).isEqualTo(127);
    assertThat(r.stderr()).contains("JAVA_HOME").contains("no-such-jdk");
  }

  @Test
  void launcher_failsClearly_whenNoJavaAnywhere(@TempDir Path work) {
    Cmd.Result r =
        Cmd.of("/bin/sh", home.resolve("bin/edgesplit").toString(), "--help")
            .unset("JAVA_HOME")
            .env("PATH", "/usr/bin/nonexistent:/bin-none")
            .dir(work)
            .run();
    assertThat(r.exitCode()).as(r.describe()).isEqualTo(127);
    assertThat(r.stderr()).contains("no Java runtime found");
  }

  @Test
  void help_runsFromUnpackedCopy_withOnlyAJre(@TempDir Path work) throws IOException {
    Path cliJar = home.resolve("lib/edgesplit-cli-" + Repo.version() + ".jar");
    try (JarFile jar = new JarFile(cliJar.toFile())) {
      assumeTrue(
          jar.getEntry("dev/edgesplit/cli/Main.class") != null,
          "dev.edgesplit.cli.Main is not in the distribution yet (the cli commands are not merged):"
              + " --help cannot run");
    }
    Cmd.Result r =
        Cmd.of(home.resolve("bin/edgesplit").toString(), "--help")
            .env("JAVA_HOME", System.getProperty("java.home"))
            .env("PATH", "/usr/bin:/bin")
            .unset("CLASSPATH")
            .dir(work)
            .run();
    assertThat(r.exitCode()).as(r.describe()).isZero();
    assertThat(r.stdout() + r.stderr()).contains("demo").contains("cloud").contains("edge");
  }

  @Test
  void bench_overLoopback_runsBothServersFromTheUnpackedCopy_andPairsRounds(@TempDir Path work)
      throws IOException {
    Path model = dev.edgesplit.testkit.SharedModels.require("stories260K");
    Cmd.Result r =
        Cmd.of(
                home.resolve("bin/edgesplit").toString(),
                "bench",
                "--model",
                model.toString(),
                "--quant",
                "int8",
                "--cut",
                "2",
                "--threads",
                "1",
                "--prompt-tokens",
                "8",
                "--tokens",
                "8",
                "--warmup",
                "2",
                "--loopback-warmup",
                "16",
                "--paired-rounds",
                "2",
                "--no-parts",
                "--max-context",
                "64",
                "--bandwidth-mb",
                "8",
                "--out",
                work.resolve("out").toString())
            .env("EDGESPLIT_HOME", work.resolve("home").toString())
            .dir(work)
            .timeout(java.time.Duration.ofMinutes(4))
            .run();
    assertThat(r.exitCode()).as(r.describe()).isZero();
    String json = Files.readString(work.resolve("out/bench.json"));
    assertThat(json)
        .contains("\"split-loopback\"")
        .contains("\"pairedRounds\"", "\"unsplitTokensPerSecond\"", "\"loopbackTokensPerSecond\"");
    String report = Files.readString(work.resolve("out/bench.md"));
    assertThat(report)
        .contains(
            "Loopback / unsplit decode tokens/s in paired rounds",
            "A loopback decode token as the edge reported it");
    // Two rounds, each a positive ratio with the unsplit and loopback tokens/s it comes from.
    String round = "\\d+\\.\\d\\d \\(\\d+\\.\\d / \\d+\\.\\d\\)";
    assertThat(report)
        .containsPattern("\\| 1 \\| 2 \\| \\d+\\.\\d\\dx \\| " + round + ", " + round + " \\|");
  }

  @Test
  void demo_runsFromUnpackedCopy_withOnlyAJre_andPrintsTheReferenceText(@TempDir Path work) {
    Path model = dev.edgesplit.testkit.SharedModels.require("stories260K");
    // A JRE is all it needs: java from java.home, nothing else on PATH, no Maven, a fresh
    // workspace.
    Cmd.Result r =
        Cmd.of(
                home.resolve("bin/edgesplit").toString(),
                "demo",
                "--model",
                model.toString(),
                "--cut",
                "2",
                "--temperature",
                "0")
            .env("JAVA_HOME", System.getProperty("java.home"))
            .env("PATH", "/usr/bin:/bin")
            .env("EDGESPLIT_HOME", work.resolve("home").toString())
            .unset("CLASSPATH")
            .dir(work)
            .timeout(java.time.Duration.ofMinutes(3))
            .run();
    assertThat(r.exitCode()).as(r.describe()).isZero();
    assertThat(r.stdout())
        .contains(
            "Once upon a time, there was a little girl named Lily. She loved to play "
                + "outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too "
                + "high.\nLily's mom said, \"Lily, let's go to the park.\" Lily was sad and didn't know w");
    assertThat(r.stderr()).contains("--- summary").contains("tokens/s");
  }

  private static Properties probe(Path work, String extraOpts, Path cwd) throws IOException {
    return probeWith(work, home.resolve("bin/edgesplit"), extraOpts, cwd);
  }

  /** Runs {@code launcher} with the probe agent injected through EDGESPLIT_JAVA_OPTS. */
  static Properties probeWith(Path work, Path launcher, String extraOpts, Path cwd)
      throws IOException {
    Path agent = agentJar(work);
    Path out = work.resolve("probe.properties");
    Cmd.Result r =
        Cmd.of(launcher.toString(), "--help")
            .env("EDGESPLIT_JAVA_OPTS", "-javaagent:" + agent + "=" + out + " " + extraOpts)
            .env("JAVA_HOME", System.getProperty("java.home"))
            .unset("CLASSPATH")
            .dir(cwd)
            .run();
    assertThat(r.exitCode()).as(r.describe()).isZero();
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(out)) {
      p.load(in);
    }
    return p;
  }

  /** Packs {@link LauncherProbe} alone into an agent jar. */
  static Path agentJar(Path work) throws IOException {
    Path jar = work.resolve("probe-agent.jar");
    if (Files.exists(jar)) {
      return jar;
    }
    Manifest mf = new Manifest();
    mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    mf.getMainAttributes().put(new Attributes.Name("Premain-Class"), LauncherProbe.class.getName());
    String entry = LauncherProbe.class.getName().replace('.', '/') + ".class";
    try (OutputStream os = Files.newOutputStream(jar);
        JarOutputStream jos = new JarOutputStream(os, mf);
        InputStream cls = LauncherProbe.class.getClassLoader().getResourceAsStream(entry)) {
      jos.putNextEntry(new JarEntry(entry));
      cls.transferTo(jos);
      jos.closeEntry();
    }
    return jar;
  }
}
