package io.nfeval.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the kernel harness live for each scenario (fresh namespaces, real traffic) and checks
 * that nfeval's replay of the new capture predicts the kernel's new counters. Root only.
 */
@Tag("kernel")
final class LiveKernelDifferentialTest {
  static Stream<Path> scenarios() {
    return KernelScenarios.scenarioDefinitions().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void liveRunMatchesReplay(Path scenario, @TempDir Path tmp) throws IOException, InterruptedException {
    final String gap = KernelScenarios.knownGap(scenario.getFileName().toString());
    assumeTrue(gap == null, "known gap, skipped: " + scenario.getFileName() + ": " + gap);
    assumeTrue(isRoot(), "kernel-differential tests need root (network namespaces, iptables)");
    for (String tool : List.of("/usr/sbin/ip", "/usr/sbin/iptables", "/usr/sbin/nft", "/usr/bin/tcpdump",
        "/usr/sbin/ipset", "/usr/bin/python3")) {
      assumeTrue(Files.isExecutable(Path.of(tool)), tool + " is not installed");
    }
    Path out = tmp.resolve("run");
    Path log = tmp.resolve("harness.log");
    Process p = new ProcessBuilder(KernelScenarios.harnessDir().resolve("run-scenario.sh").toString(),
        scenario.toString(), out.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("harness finished").isTrue();
    assertThat(p.exitValue()).as("harness exit code; log:\n" + Files.readString(log)).isZero();
    List<String> diff = KernelDifferentialTest.replayAndCompare(out.resolve("snapshot"),
        out.resolve("capture.pcap"), out.resolve("expected.rules"), tmp.resolve("counters.rules"));
    assertThat(diff).as("counter differences for " + scenario.getFileName()).isEmpty();
  }

  private static boolean isRoot() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream()
        .anyMatch(l -> l.matches("Uid:\\s+0\\s.*"));
  }
}
