package io.nfeval.kernel;

import io.nfeval.InputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Minimal reader of the harness's capture: a classic pcap file of linktype 239
 * ({@code LINKTYPE_NFLOG}). Each record is an NFLOG pseudo-header (address family, version,
 * resource id = log group, big-endian) followed by TLVs in host byte order, padded to 4 bytes;
 * type 1 ({@code NFULA_PACKET_HDR}) holds hw_protocol (2 bytes, big-endian) and the netfilter
 * hook number (1 byte: 0 PREROUTING, 3 OUTPUT), type 9 ({@code NFULA_PAYLOAD}) the IPv4 packet.
 * This mirrors libpcap's pcap-netfilter-linux.c and the kernel's nfnetlink_log.c.
 */
final class NflogPcap {
  static final int LINKTYPE_NFLOG = 239;

  /**
   * Summary of a capture: linktype, records, records per hook (index = hook number), and the
   * PREROUTING records that are non-first fragments and that are fragments at all.
   */
  record Summary(int linktype, int records, int[] perHook, int nonFirstFragmentsPrerouting,
      int fragmentsPrerouting) {}

  private NflogPcap() {}

  static Summary read(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
    if (b.remaining() < 24) {
      throw InputException.atOffset(file, 0, "shorter than a pcap header");
    }
    int magic = b.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    if (magic == 0xa1b2c3d4) {
      b.order(ByteOrder.LITTLE_ENDIAN);
    } else if (Integer.reverseBytes(magic) == 0xa1b2c3d4) {
      b.order(ByteOrder.BIG_ENDIAN);
    } else {
      throw InputException.atOffset(file, 0, "not a classic pcap file (magic " + Integer.toHexString(magic) + ")");
    }
    int linktype = b.getInt(20);
    int[] perHook = new int[5];
    int records = 0;
    int nonFirst = 0;
    int fragments = 0;
    int off = 24;
    while (off + 16 <= b.limit()) {
      int incl = b.getInt(off + 8);
      if (incl < 0 || off + 16 + incl > b.limit()) {
        throw InputException.atOffset(file, off, "truncated record");
      }
      int rec = off + 16;
      int hook = -1;
      int fragField = 0;
      int p = rec + 4;
      while (p + 4 <= rec + incl) {
        int len = Short.toUnsignedInt(b.order(ByteOrder.LITTLE_ENDIAN).getShort(p));
        int type = Short.toUnsignedInt(b.getShort(p + 2));
        if (len < 4) {
          break;
        }
        if (type == 1 && len >= 7) {
          hook = Byte.toUnsignedInt(b.get(p + 4 + 2));
        } else if (type == 9 && len >= 4 + 20) {
          fragField = Short.toUnsignedInt(b.order(ByteOrder.BIG_ENDIAN).getShort(p + 4 + 6));
        }
        p += (len + 3) & ~3;
      }
      b.order(magic == 0xa1b2c3d4 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
      if (hook >= 0 && hook < perHook.length) {
        perHook[hook]++;
      }
      if (hook == 0 && (fragField & 0x1fff) != 0) {
        nonFirst++;
      }
      if (hook == 0 && (fragField & 0x3fff) != 0) {
        fragments++;
      }
      records++;
      off = rec + incl;
    }
    return new Summary(linktype, records, perHook, nonFirst, fragments);
  }
}
