package io.nfeval.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackgroundOutputStreamTest {

  @Test
  void everyByteArrivesInOrderAcrossChunksAndFlushes() throws IOException {
    final ByteArrayOutputStream sink = new ByteArrayOutputStream();
    final ByteArrayOutputStream expected = new ByteArrayOutputStream();
    final Random rnd = new Random(7);
    try (BackgroundOutputStream out = new BackgroundOutputStream(sink)) {
      for (int i = 0; i < 3000; i++) {
        final byte[] b = new byte[rnd.nextInt(i % 100 == 0 ? 1_500_000 : 700)];
        rnd.nextBytes(b);
        out.write(b, 0, b.length);
        expected.write(b, 0, b.length);
        if (i % 500 == 0) {
          out.write(i & 0xff);
          expected.write(i & 0xff);
          out.flush();
          assertThat(sink.size()).as("flush delivers everything so far").isEqualTo(expected.size());
        }
      }
    }
    assertThat(sink.toByteArray()).isEqualTo(expected.toByteArray());
  }

  /**
   * A file written with O_DIRECT where the file system allows it (whole 1 MiB chunks), then through the
   * page cache after a flush (no longer block-aligned) and for the last partial chunk: the same bytes.
   */
  @Test
  void aFileGetsEveryByteWithDirectChunksFlushesAndATail(@TempDir Path dir) throws IOException {
    for (int flushAt : new int[] {-1, 1200}) {
      final Path f = dir.resolve("trace-" + flushAt);
      Files.writeString(f, "old content, longer than nothing");
      final ByteArrayOutputStream expected = new ByteArrayOutputStream();
      final Random rnd = new Random(11);
      try (BackgroundOutputStream out = BackgroundOutputStream.toNewFile(f)) {
        for (int i = 0; i < 2000; i++) {
          final byte[] b = new byte[rnd.nextInt(i % 300 == 0 ? 1_300_000 : 3000)];
          rnd.nextBytes(b);
          out.write(b, 0, b.length);
          expected.write(b, 0, b.length);
          if (i == flushAt) {
            out.flush();
            assertThat(Files.size(f)).as("flush delivers everything so far").isEqualTo(expected.size());
          }
        }
      }
      assertThat(Files.readAllBytes(f)).isEqualTo(expected.toByteArray());
    }
  }

  @Test
  void aWriteErrorOnTheWriterThreadIsThrownToTheCaller() {
    final OutputStream failing = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("No space left on device");
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        throw new IOException("No space left on device");
      }
    };
    final BackgroundOutputStream out = new BackgroundOutputStream(failing);
    assertThatThrownBy(() -> {
      out.write(new byte[10], 0, 10);
      out.flush();
    }).isInstanceOf(IOException.class).hasMessageContaining("No space left");
    assertThatThrownBy(out::close).isInstanceOf(IOException.class);
  }
}
