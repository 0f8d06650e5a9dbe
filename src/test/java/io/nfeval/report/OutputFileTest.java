package io.nfeval.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.nfeval.cli.Main;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outputs the user names are replaced whole when they are files, and written in place when they are
 * not: a replay with {@code --trace-out /dev/null} once renamed its temporary file over the device
 * node. Checked with FIFOs (a test must not risk the machine's /dev/null) and symbolic links.
 */
class OutputFileTest {

  @Test
  void aRegularFileIsReplacedWhole(@TempDir Path dir) throws IOException {
    final Path target = dir.resolve("sub/out.txt");
    final OutputFile f = OutputFile.of(target);
    assertThat(f.direct()).isFalse();
    assertThat(f.writeTo().getParent()).isEqualTo(target.getParent());
    Files.writeString(f.writeTo(), "new");
    assertThat(target).doesNotExist();
    f.commit();
    assertThat(target).hasContent("new");
    assertThat(f.writeTo()).doesNotExist();
  }

  @Test
  void aSymbolicLinkKeepsPointingAtTheReplacedFile(@TempDir Path dir) throws IOException {
    final Path real = dir.resolve("real.txt");
    Files.writeString(real, "old");
    final Path link = Files.createSymbolicLink(dir.resolve("link.txt"), real);
    OutputFile.writeString(link, "new");
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(real).hasContent("new");
  }

  @Test
  void aFifoIsWrittenInPlaceByReplay(@TempDir Path dir) throws Exception {
    final Path counters = mkfifo(dir.resolve("counters.fifo"));
    final Path trace = mkfifo(dir.resolve("trace.fifo"));
    final CompletableFuture<String> countersText = drain(counters);
    final CompletableFuture<String> traceText = drain(trace);
    final Path scenario = Path.of("src/test/resources/kernel/nat-router");
    final StringWriter err = new StringWriter();
    final int rc = Main.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        "replay", "--snapshot", scenario.resolve("snapshot").toString(),
        "--pcap", scenario.resolve("capture.pcap").toString(),
        "--counters-out", counters.toString(), "--trace-out", trace.toString());
    assertThat(rc).as("stderr: %s", err).isZero();
    // A timeout here: the output went somewhere else (renamed over the FIFO, nobody wrote it).
    assertThat(countersText.get(60, TimeUnit.SECONDS)).contains("*filter").contains("COMMIT");
    assertThat(traceText.get(60, TimeUnit.SECONDS)).contains("\"verdict\"");
    assertThat(Files.isRegularFile(counters)).as("still a FIFO").isFalse();
    assertThat(Files.isRegularFile(trace)).as("still a FIFO").isFalse();
    assertThat(Files.exists(counters) && Files.exists(trace)).isTrue();
  }

  private static Path mkfifo(Path p) throws IOException, InterruptedException {
    final Process proc;
    try {
      proc = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
    } catch (IOException e) {
      assumeThat(false).as("mkfifo not available").isTrue();
      throw e;
    }
    assumeThat(proc.waitFor()).as("mkfifo exit code").isZero();
    return p;
  }

  /** Reads the FIFO to its end on another thread (opening blocks until the writer opens it). */
  private static CompletableFuture<String> drain(Path fifo) {
    return CompletableFuture.supplyAsync(() -> {
      try (InputStream in = Files.newInputStream(fifo)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }
}
