package io.nfeval.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * {@link PacketView#decodeCopyOf} reaches exactly the state {@link PacketView#decode()} reaches on the
 * copied datagram, every field compared (so a field added to the view later and not carried over
 * fails here): on every real packet of the test captures and on mutated ones.
 */
class DecodeCopyPropertyTest {
  private static final List<Field> FIELDS = fields();

  private static List<Field> fields() {
    final List<Field> out = new ArrayList<>();
    for (Field f : PacketView.class.getDeclaredFields()) {
      if (!Modifier.isStatic(f.getModifiers())) {
        f.setAccessible(true);
        out.add(f);
      }
    }
    return out;
  }

  /** Whether the copy path applied; when it did, its state equals a decode of the copy. */
  private static boolean copyEqualsDecode(byte[] frame, int cap, int wire, int linkType) {
    final PacketView raw = new PacketView();
    raw.wrap(ByteBuffer.wrap(frame), 0, cap, wire, linkType).decode();
    if (!raw.isIpv4() || raw.l3Offset() < 0) {
      return false;
    }
    final int l3 = raw.l3Offset();
    final int len = raw.ipLength();
    final int present = Math.max(0, Math.min(cap - l3, len));
    final byte[] copy = new byte[65535 + 64];
    System.arraycopy(frame, l3, copy, 0, present);
    final ByteBuffer datagram = ByteBuffer.wrap(copy);
    final PacketView fast = new PacketView();
    if (present != len || !fast.decodeCopyOf(raw, datagram, len)) {
      return false;
    }
    final PacketView slow = new PacketView();
    slow.wrap(datagram, 0, present, len, LinkType.IPV4).decode();
    for (Field f : FIELDS) {
      try {
        assertThat(f.get(fast)).as("field %s", f.getName()).isEqualTo(f.get(slow));
      } catch (IllegalAccessException e) {
        throw new AssertionError(e);
      }
    }
    return true;
  }

  /** The test captures and the kernel scenarios' captures (well-formed traffic of every kind). */
  @Test
  void everyRealIpv4PacketCopiesAsItDecodes() throws java.io.IOException {
    final List<DecodePropertiesTest.Frame> frames = new ArrayList<>(DecodePropertiesTest.REAL);
    try (java.util.stream.Stream<java.nio.file.Path> dirs =
        java.nio.file.Files.list(java.nio.file.Path.of("src/test/resources/kernel"))) {
      for (java.nio.file.Path d : dirs.sorted().toList()) {
        final java.nio.file.Path pcap = d.resolve("capture.pcap");
        if (java.nio.file.Files.isRegularFile(pcap)) {
          try (io.nfeval.source.CaptureReader r = io.nfeval.source.CaptureReaders.open(pcap,
              io.nfeval.source.ReaderKind.MMAP)) {
            final io.nfeval.source.CapturedPacket p = new io.nfeval.source.CapturedPacket();
            while (r.next(p)) {
              frames.add(new DecodePropertiesTest.Frame(p.bytes(), p.linkType()));
            }
          }
        }
      }
    }
    int copied = 0;
    for (DecodePropertiesTest.Frame f : frames) {
      copied += copyEqualsDecode(f.bytes(), f.bytes().length, f.bytes().length, f.linkType()) ? 1 : 0;
    }
    assertThat(copied).as("real packets the copy path took").isGreaterThan(1000);
  }

  @Property(tries = 3000)
  void mutatedPacketsCopyAsTheyDecode(@ForAll @IntRange(min = 0, max = 100_000) int pick,
      @ForAll @Size(max = 6) List<@IntRange(min = 0, max = 99) Integer> positions,
      @ForAll @Size(max = 6) List<Byte> values, @ForAll @IntRange(min = 0, max = 1600) int cut,
      @ForAll boolean cutIt) {
    final List<DecodePropertiesTest.Frame> real = DecodePropertiesTest.REAL;
    final DecodePropertiesTest.Frame f = real.get(pick % real.size());
    final byte[] b = f.bytes().clone();
    for (int i = 0; i < Math.min(positions.size(), values.size()); i++) {
      if (b.length > 0) {
        b[positions.get(i) % b.length] = values.get(i); // headers: the first 100 bytes
      }
    }
    final int cap = cutIt ? Math.min(cut, b.length) : b.length;
    copyEqualsDecode(b, cap, b.length, f.linkType());
  }
}
