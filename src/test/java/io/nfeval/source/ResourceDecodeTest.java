package io.nfeval.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.nfeval.InputException;
import io.nfeval.packet.Malformed;
import io.nfeval.packet.PacketView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every test capture reads and decodes without an exception other than a clear {@link InputException},
 * and the per-file decode outcome matches the golden file {@code pcaps/decode-outcomes.golden}
 * (regenerate on purpose with {@code -Dnfeval.regenerate=true}, then review the diff).
 */
class ResourceDecodeTest {
  static String outcome(Path f) {
    final TreeMap<String, Integer> codes = new TreeMap<>();
    int packets = 0;
    int truncated = 0;
    String error = "";
    final PacketView v = new PacketView();
    try (CaptureReader r = CaptureReaders.open(f, ReaderKind.MMAP)) {
      final CapturedPacket p = new CapturedPacket();
      while (r.next(p)) {
        packets++;
        final int c = v.wrap(p.buffer(), p.offset(), p.capLen(), p.wireLen(), p.linkType()).decode();
        codes.merge(Malformed.name(c), 1, Integer::sum);
        if (v.truncated()) {
          truncated++;
        }
        // every accessor must be safe after any decode result
        touchAll(v);
      }
      if (r.error() != null) {
        error = " error=" + r.error().getMessage().replace(f.toString(), "FILE");
      }
    } catch (InputException e) {
      error = " error=" + e.getMessage().replace(f.toString(), "FILE");
    }
    return packets + " packets " + codes + " truncated=" + truncated + error;
  }

  static long touchAll(PacketView v) {
    long s = v.etherType() + v.srcMac() + v.dstMac() + v.vlanId() + v.sllPacketType() + v.sll2IfIndex()
        + v.nflogHook() + v.inIfindex() + v.uid() + v.mark() + v.ipVersion() + v.protocol()
        + v.l4Offset() + v.srcPort() + v.dstPort() + v.tcpFlags() + v.tcpSeq() + v.tcpMss()
        + v.tcpWindowScale() + v.tcpTsVal() + v.udpLength() + v.icmpType() + v.icmpId()
        + v.icmpInnerSrcPort() + v.icmpInnerIcmpId() + v.icmpInnerDstAddr() + v.tcpPayloadLength();
    if (v.ipVersion() != 0) {
      s += v.ttl() + v.tos() + v.id() + v.srcAddr() + v.dstAddr() + (v.headerChecksumOk() ? 1 : 0)
          + (v.l4ChecksumOk() ? 1 : 0) + v.optionsLength();
    }
    return s;
  }

  @Test
  void everyResourceCaptureDecodesAsRecorded() throws IOException {
    final Path dir = TestCaptures.resourceDir();
    final List<String> lines = new ArrayList<>();
    for (Path f : TestCaptures.capturesUnder(dir)) {
      lines.add(dir.relativize(f) + ": " + outcome(f));
    }
    final Path golden = dir.resolve("decode-outcomes.golden");
    final String actual = String.join("\n", lines) + "\n";
    if (Boolean.getBoolean("nfeval.regenerate") || !Files.exists(golden)) {
      Files.writeString(golden, actual, StandardCharsets.UTF_8);
    }
    assertThat(actual).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
  }
}
