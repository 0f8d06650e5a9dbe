package io.nfeval.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nfeval.packet.LinkType;
import io.nfeval.source.CaptureReader;
import io.nfeval.source.CaptureReaders;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.PcapngWriter;
import io.nfeval.source.ReaderKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The capture a user usually has: only the frames arriving at the host's interfaces, with none of the
 * host's own packets. Each scenario's NFLOG capture is cut down to its PREROUTING records, turned into
 * Ethernet frames (the MAC header NFLOG kept, or one addressed to the input device), and replayed: the
 * engine then builds the kernel's own answers itself (REJECT's resets and ICMP errors, routed as
 * nf_send_reset and icmp_send route them; ip_forward's time exceeded, fragmentation needed and
 * redirects; ip_error's unreachables, each with its rate limit), and the counters must still equal
 * the kernel's. The
 * scenarios are those whose host packets are all such answers, or which have none; scenarios with
 * traffic from the host's sockets or its TCP stack (which no arrival capture shows) are not here.
 */
final class ArrivalOnlyKernelTest {
  static Stream<String> scenarios() {
    return Stream.of("forward-errors", "nat-icmp-errors", "mangle-targets", "reject-closing",
        "reject-reroute", "misc-targets", "recent-options", "connlabels",
        "conntrack-timeouts", "ftp-helper", "hashlimit-modes", "ipset-types", "matches-zoo2",
        "more-matches", "other-protocols", "self-inverse-tuples", "tcp-window", "zones-and-ct",
        "zones-icmp-errors", "synproxy");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void arrivalsAloneGiveTheKernelsCounters(String name, @TempDir Path tmp) throws IOException {
    final Path dir = KernelScenarios.dataRoot().resolve(name);
    final Path arrivals = tmp.resolve("arrivals.pcapng");
    final int[] kept = toEthernetArrivals(dir.resolve("capture.pcap"), dir.resolve("snapshot"), arrivals);
    assertThat(kept[0]).as("arrivals").isPositive();
    final List<String> diff = KernelDifferentialTest.replayAndCompare(dir.resolve("snapshot"), arrivals,
        dir.resolve("expected.rules"), tmp.resolve("counters.rules"));
    assertThat(diff).as("counter differences for %s from its %d arrivals alone (%d host packets left out)",
        name, kept[0], kept[1]).isEmpty();
  }

  /** Writes the PREROUTING records of an NFLOG capture as Ethernet frames; returns {kept, left out}. */
  static int[] toEthernetArrivals(Path nflog, Path snapshot, Path out) throws IOException {
    final Map<Integer, byte[]> macs = new HashMap<>();
    for (JsonNode i : new ObjectMapper().readTree(snapshot.resolve("ip-addr.json").toFile())) {
      final String mac = i.path("address").asText("");
      if (mac.length() == 17) {
        final byte[] m = new byte[6];
        for (int k = 0; k < 6; k++) {
          m[k] = (byte) Integer.parseInt(mac.substring(3 * k, 3 * k + 2), 16);
        }
        macs.put(i.path("ifindex").asInt(), m);
      }
    }
    int kept = 0;
    int left = 0;
    try (CaptureReader r = CaptureReaders.open(nflog, ReaderKind.MMAP, 0);
        PcapngWriter w = new PcapngWriter(out)) {
      final int eth = w.addInterface("eth", LinkType.ETHERNET, 262144);
      final CapturedPacket p = new CapturedPacket();
      while (r.next(p)) {
        assertThat(p.linkType()).isEqualTo(LinkType.NFLOG);
        final ByteBuffer b = p.buffer().duplicate().order(ByteOrder.BIG_ENDIAN);
        final int start = p.offset();
        final int end = start + p.capLen();
        int hook = -1;
        int indev = -1;
        int payload = -1;
        int payloadLen = 0;
        byte[] hw = null;
        // struct nfgenmsg (4 bytes), then TLVs: u16 length, u16 type (host order: little-endian)
        for (int o = start + 4; o + 4 <= end; ) {
          final int len = Short.toUnsignedInt(Short.reverseBytes(b.getShort(o)));
          final int type = Short.toUnsignedInt(Short.reverseBytes(b.getShort(o + 2)));
          if (len < 4 || o + len > end) {
            break;
          }
          switch (type) {
            case 1: hook = b.get(o + 6) & 0xff; break; // NFULA_PACKET_HDR
            case 4: indev = b.getInt(o + 4); break; // NFULA_IFINDEX_INDEV
            case 9: payload = o + 4; payloadLen = len - 4; break; // NFULA_PAYLOAD
            case 16: // NFULA_HWHEADER
              if (len - 4 == 14) {
                hw = new byte[14];
                b.get(o + 4, hw);
              }
              break;
            default: break;
          }
          o += (len + 3) & ~3;
        }
        if (hook != 0 || payload < 0) {
          left++;
          continue;
        }
        final byte[] frame = new byte[14 + payloadLen];
        if (hw != null) {
          System.arraycopy(hw, 0, frame, 0, 14);
        } else {
          System.arraycopy(macs.getOrDefault(indev, new byte[] {-1, -1, -1, -1, -1, -1}), 0, frame, 0, 6);
          frame[6] = 2;
          frame[11] = (byte) 0x99;
          frame[12] = 8;
        }
        b.get(payload, frame, 14, payloadLen);
        w.writePacket(eth, ByteBuffer.wrap(frame), 0, frame.length, frame.length, p.tsNanos(), 0);
        kept++;
      }
    }
    return new int[] {kept, left};
  }
}
