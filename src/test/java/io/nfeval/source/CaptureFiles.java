package io.nfeval.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes pcap and pcapng files for reader tests. */
final class CaptureFiles {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteOrder order;

  CaptureFiles(ByteOrder order) {
    this.order = order;
  }

  private ByteBuffer bb(int n) {
    return ByteBuffer.allocate(n).order(order);
  }

  CaptureFiles raw(byte[] b) {
    out.writeBytes(b);
    return this;
  }

  CaptureFiles pcapHeader(boolean nanos, int snaplen, int linkType) {
    final ByteBuffer b = bb(24);
    b.putInt(nanos ? 0xa1b23c4d : 0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
        .putInt(snaplen).putInt(linkType);
    return raw(b.array());
  }

  CaptureFiles pcapRecord(long sec, long frac, byte[] data, int wireLen) {
    final ByteBuffer b = bb(16);
    b.putInt((int) sec).putInt((int) frac).putInt(data.length).putInt(wireLen);
    return raw(b.array()).raw(data);
  }

  private CaptureFiles block(int type, byte[] body) {
    final int total = 12 + ((body.length + 3) & ~3);
    final ByteBuffer b = bb(total);
    b.putInt(type).putInt(total).put(body);
    b.position(total - 4);
    b.putInt(total);
    return raw(b.array());
  }

  CaptureFiles shb() {
    final ByteBuffer b = bb(16);
    b.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1);
    return block(0x0A0D0D0A, b.array());
  }

  static byte[] option(ByteOrder order, int code, byte[] value) {
    final ByteBuffer b = ByteBuffer.allocate(4 + ((value.length + 3) & ~3)).order(order);
    b.putShort((short) code).putShort((short) value.length).put(value);
    return b.array();
  }

  CaptureFiles idb(int linkType, int snaplen, String name, int tsresol) {
    final ByteArrayOutputStream o = new ByteArrayOutputStream();
    final ByteBuffer b = bb(8);
    b.putShort((short) linkType).putShort((short) 0).putInt(snaplen);
    o.writeBytes(b.array());
    if (name != null) {
      o.writeBytes(option(order, 2, name.getBytes(StandardCharsets.UTF_8)));
    }
    if (tsresol >= 0) {
      o.writeBytes(option(order, 9, new byte[] {(byte) tsresol}));
    }
    o.writeBytes(new byte[4]);
    return block(1, o.toByteArray());
  }

  CaptureFiles epb(int ifId, long units, byte[] data, int origLen) {
    final ByteBuffer b = bb(20 + ((data.length + 3) & ~3));
    b.putInt(ifId).putInt((int) (units >>> 32)).putInt((int) units).putInt(data.length).putInt(origLen)
        .put(data);
    return block(6, b.array());
  }

  CaptureFiles opb(int ifId, long units, byte[] data, int origLen) {
    final ByteBuffer b = bb(20 + ((data.length + 3) & ~3));
    b.putShort((short) ifId).putShort((short) 0).putInt((int) (units >>> 32)).putInt((int) units)
        .putInt(data.length).putInt(origLen).put(data);
    return block(2, b.array());
  }

  CaptureFiles spb(byte[] data, int origLen) {
    final ByteBuffer b = bb(4 + ((data.length + 3) & ~3));
    b.putInt(origLen).put(data);
    return block(3, b.array());
  }

  CaptureFiles unknownBlock() {
    return block(0x0bad, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
  }

  byte[] bytes() {
    return out.toByteArray();
  }

  Path write(Path dir, String name) {
    try {
      return Files.write(dir.resolve(name), bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
