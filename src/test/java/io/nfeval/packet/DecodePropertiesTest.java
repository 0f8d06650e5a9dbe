package io.nfeval.packet;

import io.nfeval.source.CaptureReader;
import io.nfeval.source.CaptureReaders;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.ReaderKind;
import io.nfeval.source.TestCaptures;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Decoding never throws, whatever the bytes: random frames and random mutations of real packets. */
class DecodePropertiesTest {
  static final int[] LINK_TYPES = {0, 1, 12, 14, 101, 108, 113, 228, 229, 239, 276, 105};

  record Frame(byte[] bytes, int linkType) {}

  static final List<Frame> REAL = loadReal();

  static List<Frame> loadReal() {
    final List<Frame> out = new ArrayList<>();
    for (Path f : TestCaptures.capturesUnder(TestCaptures.resourceDir())) {
      try (CaptureReader r = CaptureReaders.open(f, ReaderKind.MMAP)) {
        final CapturedPacket p = new CapturedPacket();
        while (r.next(p)) {
          out.add(new Frame(p.bytes(), p.linkType()));
        }
      } catch (RuntimeException e) {
        // broken files are covered elsewhere
      }
    }
    return out;
  }

  private final PacketView v = new PacketView();

  private void decodeAndTouch(byte[] b, int off, int cap, int wire, int lt) {
    final int code = v.wrap(ByteBuffer.wrap(b), off, cap, wire, lt).decode();
    if (code < 0 || code >= Malformed.COUNT) {
      throw new AssertionError("code " + code);
    }
    long s = v.etherType() + v.srcMac() + v.vlanId() + v.nflogHook() + v.prefixLength()
        + v.protocol() + v.srcPort() + v.dstPort() + v.tcpFlags() + v.tcpMss() + v.tcpWindowScale()
        + v.tcpTsVal() + v.tcpTsEcr() + v.udpLength() + v.icmpType() + v.icmpId()
        + v.icmpInnerSrcPort() + v.icmpInnerIcmpId() + v.icmpInnerSrcAddr() + v.tcpPayloadLength();
    if (v.ipVersion() == 4) {
      s += v.ttl() + v.srcAddr() + (v.headerChecksumOk() ? 1 : 0) + (v.l4ChecksumOk() ? 1 : 0);
    }
    if (v.ipVersion() == 6) {
      s += v.ttl() + (v.l4ChecksumOk() ? 1 : 0);
    }
    if (s == Long.MIN_VALUE) {
      throw new AssertionError();
    }
  }

  @Provide
  Arbitrary<Integer> linkTypes() {
    return Arbitraries.of(0, 1, 12, 14, 101, 108, 113, 228, 229, 239, 276, 105);
  }

  @Property(tries = 2000)
  void randomBytesNeverThrow(@ForAll @Size(max = 200) byte[] bytes,
      @ForAll("linkTypes") int linkType, @ForAll @IntRange(min = -10, max = 3000) int extraWire,
      @ForAll @IntRange(min = 0, max = 5) int offset) {
    final byte[] b = new byte[bytes.length + offset];
    System.arraycopy(bytes, 0, b, offset, bytes.length);
    decodeAndTouch(b, offset, bytes.length, bytes.length + extraWire, linkType);
  }

  @Property(tries = 3000)
  void mutatedRealPacketsNeverThrow(@ForAll @IntRange(min = 0, max = 100_000) int pick,
      @ForAll @Size(max = 8) List<@IntRange(min = 0, max = 1499) Integer> positions,
      @ForAll @Size(max = 8) List<Byte> values, @ForAll @IntRange(min = 0, max = 1600) int cut,
      @ForAll boolean cutIt, @ForAll boolean keepWire) {
    if (REAL.isEmpty()) {
      return;
    }
    final Frame f = REAL.get(pick % REAL.size());
    final byte[] b = f.bytes().clone();
    for (int i = 0; i < Math.min(positions.size(), values.size()); i++) {
      if (b.length > 0) {
        b[positions.get(i) % b.length] = values.get(i);
      }
    }
    final int cap = cutIt ? Math.min(cut, b.length) : b.length;
    decodeAndTouch(b, 0, cap, keepWire ? b.length : cap, f.linkType());
  }
}
