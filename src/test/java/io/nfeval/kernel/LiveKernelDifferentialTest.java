package io.nfeval.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.nfeval.testing.TestDeadline;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the kernel harness live for each scenario (fresh namespaces, real traffic) and checks
 * that nfeval's replay of the new capture predicts the kernel's new counters. Root only.
 *
 * <p>A live run takes seconds per scenario on a quiet machine and ten times that on a starved one.
 * Under a CI deadline ({@link TestDeadline}) the suite therefore starts a scenario only while there is
 * time for it, begins at an hourly rotating offset so that successive runs cover different scenarios
 * first, and prints which ones it ran and which it left for lack of time. The stored runs of every
 * scenario are checked in full by {@link KernelDifferentialTest} either way. Runs last in the build
 * (failsafe's integration-test phase), so that the time it uses is what the other suites left.
 */
@Tag("kernel")
final class LiveKernelDifferentialTest {
  /** Time kept back for the rest of the build after the last scenario (failsafe's verify, Maven's end). */
  private static final long RESERVE_SECONDS = 120;
  private static final long HARNESS_TIMEOUT_SECONDS = 180;

  private static long longestRunSeconds = 30;
  private static final List<String> ran = new ArrayList<>();
  private static final List<String> leftForTime = new ArrayList<>();
  private static final List<String> timedOut = new ArrayList<>();

  static Stream<Path> scenarios() {
    List<Path> all = KernelScenarios.scenarioDefinitions();
    if (all.isEmpty() || TestDeadline.epochSeconds().isEmpty()) {
      return all.stream();
    }
    int start = (int) (Instant.now().getEpochSecond() / 3600 % all.size());
    List<Path> rotated = new ArrayList<>(all.subList(start, all.size()));
    rotated.addAll(all.subList(0, start));
    System.out.println("[live kernel] CI deadline in " + TestDeadline.secondsLeft() + " s; starting at scenario "
        + start + " of " + all.size() + " (" + rotated.get(0).getFileName() + ")");
    return rotated.stream();
  }

  @AfterAll
  static void report() {
    System.out.println("[live kernel] ran " + ran.size() + " scenarios live"
        + (timedOut.isEmpty() ? "" : "; NO VERDICT, the harness outran the CI time budget " + timedOut.size()
            + ": " + String.join(" ", timedOut))
        + (leftForTime.isEmpty() ? "" : "; LEFT OUT for the CI time budget " + leftForTime.size() + ": "
            + String.join(" ", leftForTime)));
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
    long left = TestDeadline.secondsLeft();
    if (left < RESERVE_SECONDS + 2 * longestRunSeconds) {
      leftForTime.add(scenario.getFileName().toString());
      assumeTrue(false, "CI time budget: " + left + " s left, a run takes up to " + longestRunSeconds + " s");
    }
    long started = System.nanoTime();
    Path out = tmp.resolve("run");
    Path log = tmp.resolve("harness.log");
    Process p = new ProcessBuilder(KernelScenarios.harnessDir().resolve("run-scenario.sh").toString(),
        scenario.toString(), out.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    // Under a deadline a run may not outlast it; on a starved machine a scenario of many crafted packets
    // (scapy) can take many times its usual time, and a run cut short there is no verdict about nfeval.
    final boolean underDeadline = TestDeadline.epochSeconds().isPresent();
    final long timeout = underDeadline ? Math.min(HARNESS_TIMEOUT_SECONDS, left - RESERVE_SECONDS)
        : HARNESS_TIMEOUT_SECONDS;
    final boolean finished = p.waitFor(timeout, TimeUnit.SECONDS);
    if (!finished) {
      p.destroy(); // SIGTERM: the harness's trap deletes its namespaces
      p.waitFor(20, TimeUnit.SECONDS);
    }
    if (finished) {
      longestRunSeconds = Math.max(longestRunSeconds, (System.nanoTime() - started) / 1_000_000_000L);
    }
    if (!finished && underDeadline) {
      timedOut.add(scenario.getFileName().toString());
      assumeTrue(false, "CI time budget: the harness did not finish within " + timeout + " s on this machine");
    }
    ran.add(scenario.getFileName().toString());
    assertThat(finished).as("harness finished within " + timeout + " s").isTrue();
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
