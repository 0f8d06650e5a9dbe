package io.nfeval.source;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.nfeval.InputException;
import io.nfeval.packet.PacketView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Jazzer fuzz test of the pcap/pcapng readers and the decoder: any file content must end in packets
 * and/or an {@link InputException}, never another exception or a hang. In a normal {@code mvn test}
 * this runs in regression mode (the empty input and any stored findings); fuzz with
 * {@code JAZZER_FUZZ=1 mvn -o test -Dtest=CaptureFuzzTest}.
 */
class CaptureFuzzTest {
  private static final byte[][] PREFIXES = {
    {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1, 2, 0, 4, 0},
    {(byte) 0xa1, (byte) 0xb2, 0x3c, 0x4d, 0, 2, 0, 4},
    {0x0a, 0x0d, 0x0d, 0x0a},
  };

  @FuzzTest(maxDuration = "2m")
  void readersAndDecoderNeverCrash(FuzzedDataProvider data) throws IOException {
    final int which = data.consumeInt(0, PREFIXES.length);
    final byte[] body = data.consumeRemainingAsBytes();
    final byte[] file;
    if (which < PREFIXES.length) {
      file = new byte[PREFIXES[which].length + body.length];
      System.arraycopy(PREFIXES[which], 0, file, 0, PREFIXES[which].length);
      System.arraycopy(body, 0, file, PREFIXES[which].length, body.length);
    } else {
      file = body;
    }
    final Path f = Files.createTempFile("nfeval-fuzz", ".cap");
    try {
      Files.write(f, file);
      try (CaptureReader r = CaptureReaders.open(f, ReaderKind.MMAP)) {
        final CapturedPacket p = new CapturedPacket();
        final PacketView v = new PacketView();
        int n = 0;
        while (r.next(p) && n++ < 100_000) {
          v.wrap(p.buffer(), p.offset(), p.capLen(), p.wireLen(), p.linkType()).decode();
          ResourceDecodeTest.touchAll(v);
        }
      } catch (InputException expected) {
        // a clear error for a broken file is the right outcome
      }
    } finally {
      Files.deleteIfExists(f);
    }
  }
}
