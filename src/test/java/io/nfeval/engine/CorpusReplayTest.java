package io.nfeval.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.nfeval.cli.Main;
import io.nfeval.source.TestCaptures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every capture of the shared corpus (tcpdump, libpcap, Zeek, suricata-verify; many malformed on
 * purpose) goes through the whole engine, not only the decoders: {@code nfeval replay} with the
 * bundled Docker-host snapshot exits 0, or 2 with one line naming the file for captures that are
 * not readable at all; never an internal error. Skips visibly without the corpus.
 */
@Tag("corpus")
class CorpusReplayTest {
  static Stream<Path> captures() {
    final Path dir = TestCaptures.corpusDir();
    if (!Files.isDirectory(dir)) {
      return Stream.of(Path.of("corpus-missing"));
    }
    return TestCaptures.capturesUnder(dir).stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("captures")
  void replayThroughTheEngine(Path capture, @TempDir Path tmp) {
    Assumptions.assumeTrue(Files.exists(capture),
        "shared capture corpus not found at " + TestCaptures.corpusDir() + ": corpus replay skipped");
    final Path snapshot = Path.of(System.getProperty("nfeval.projectDir", "."))
        .resolve("config/examples/docker-host");
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final int rc = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Main.run(
        new PrintWriter(out, true), new PrintWriter(err, true), "replay", "--snapshot",
        snapshot.toString(), "--pcap", capture.toString(), "--in", "eth0",
        "--counters-out", tmp.resolve("c.rules").toString(),
        "--trace-out", tmp.resolve("t.jsonl").toString()));
    assertThat(rc).as("exit code; stderr: %s", err).isIn(0, 2);
    assertThat(err.toString()).doesNotContain("internal error");
    if (rc == 2) {
      final List<String> lines = err.toString().lines().filter(l -> !l.isBlank()).toList();
      assertThat(lines).as("one error line").hasSize(1);
      assertThat(lines.get(0)).contains(capture.getFileName().toString());
    }
  }
}
