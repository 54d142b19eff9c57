package dev.edgesplit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessMemoryTest {

  @Test
  void readsPeakAndResidentKilobytes_fromAStatusFile(@TempDir Path proc) throws Exception {
    Files.createDirectories(proc.resolve("42"));
    Files.writeString(
        proc.resolve("42/status"),
        "Name:\tjava\nVmPeak:\t 9000 kB\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n");
    ProcessMemory m = new ProcessMemory(proc);
    assertThat(m.peakBytes(42)).hasValue(2048L * 1024);
    assertThat(m.residentBytes(42)).hasValue(1024L * 1024);
    assertThat(m.peakBytes(7)).isEmpty();
  }

  @Test
  void rejectsAnUnexpectedUnit(@TempDir Path proc) throws Exception {
    Files.createDirectories(proc.resolve("1"));
    Files.writeString(proc.resolve("1/status"), "VmHWM:\t 5 MB\n");
    assertThatThrownBy(() -> new ProcessMemory(proc).peakBytes(1))
        .hasMessageContaining("unexpected unit");
  }

  @Test
  void thisProcess_hasAPeakAtLeastItsResidentSize() {
    ProcessMemory m = ProcessMemory.system();
    long pid = ProcessHandle.current().pid();
    assertThat(m.peakBytes(pid).orElseThrow())
        .isGreaterThanOrEqualTo(m.residentBytes(pid).orElseThrow() / 2);
  }
}
