package io.nfeval.source;

import io.nfeval.InputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pure-Java pcapng reader (draft-ietf-opsawg-pcapng) over a memory map. Understands the Section
 * Header Block (either byte order; several sections, each resetting the interfaces), Interface
 * Description Blocks (linktype, snaplen, {@code if_name}, {@code if_tsresol} as a power of 10 or of 2,
 * {@code if_tsoffset}), Enhanced Packet Blocks, Simple Packet Blocks (interface 0, captured length =
 * min(original length, block body, snaplen)) and the obsolete Packet Block; every other block is
 * skipped. Unlike libpcap (which gives one linktype per file and stops at an interface with another
 * one), interfaces of different linktypes are delivered, each packet with its own linktype.
 *
 * <pre>
 * block: type(4) total_length(4) body... total_length(4)    (total_length % 4 == 0, &gt;= 12)
 * SHB body: byte-order magic 0x1A2B3C4D(4) major(2) minor(2) section_length(8) options
 * IDB body: linktype(2) reserved(2) snaplen(4) options
 * EPB body: interface_id(4) ts_high(4) ts_low(4) caplen(4) origlen(4) data(pad 4) options
 * SPB body: origlen(4) data(pad 4)
 * PB  body: interface_id(2) drops(2) ts_high(4) ts_low(4) caplen(4) origlen(4) data options
 * option: code(2) length(2) value(pad 4); code 0 ends
 * </pre>
 *
 * Errors mirror libpcap's {@code pcap-ng.c}: bad block length, trailer length mismatch, unsupported
 * version, interface id out of range, caplen beyond the block.
 */
public final class PcapngReader extends MappedCaptureReader {
  static final int SHB = 0x0A0D0D0A;
  static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
  private static final int IDB = 1;
  private static final int PB = 2;
  private static final int SPB = 3;
  private static final int EPB = 6;
  /** libpcap's INITIAL_MAX_BLOCKSIZE: larger blocks are taken as a damaged file. */
  static final int MAX_BLOCK = 16 * 1024 * 1024;

  private static final class Iface {
    int linkType;
    int snaplen;
    String name;
    boolean binaryResolution;
    int resolutionExp = 6;
    long offsetSeconds;
  }

  private final List<Iface> ifaces = new ArrayList<>();

  public PcapngReader(Path path, int fileIndex) {
    this(path, fileIndex, MappedFile.DEFAULT_WINDOW);
  }

  PcapngReader(Path path, int fileIndex, long windowSize) {
    this(new MappedFile(path, windowSize), fileIndex);
  }

  /** A reader streaming the file through one buffer (see {@link PcapReader#streamed}). */
  public static PcapngReader streamed(Path path, int fileIndex) {
    return new PcapngReader(new StreamedFile(path, StreamedFile.DEFAULT_BUFFER), fileIndex);
  }

  PcapngReader(RecordWindow file, int fileIndex) {
    super(file, fileIndex);
    final Path path = file.path();
    try {
      final int o = mf.map(0, 12);
      if (o < 0 || mf.window().order(ByteOrder.BIG_ENDIAN).getInt(o) != SHB) {
        throw InputException.atOffset(path, 0, "not a pcapng file (no section header block)");
      }
      readShb(0);
    } catch (InputException e) {
      mf.close();
      throw e;
    }
  }

  /** Reads an SHB at {@code at}, sets the byte order, returns its total length. */
  private int readShb(long at) {
    int o = mf.map(at, 28);
    if (o < 0) {
      throw InputException.atOffset(mf.path(), at, "truncated section header block");
    }
    ByteBuffer w = mf.window().order(ByteOrder.BIG_ENDIAN);
    final int bom = w.getInt(o + 8);
    if (bom == BYTE_ORDER_MAGIC) {
      mf.order(ByteOrder.BIG_ENDIAN);
    } else if (Integer.reverseBytes(bom) == BYTE_ORDER_MAGIC) {
      mf.order(ByteOrder.LITTLE_ENDIAN);
    } else {
      throw InputException.atOffset(mf.path(), at + 8,
          String.format("bad byte-order magic 0x%08x in section header block", bom));
    }
    w = mf.window();
    final int major = w.getShort(o + 12) & 0xffff;
    final int minor = w.getShort(o + 14) & 0xffff;
    if (major != 1 || (minor != 0 && minor != 2)) {
      throw InputException.atOffset(mf.path(), at + 12,
          "unsupported pcapng savefile version " + major + "." + minor);
    }
    final int total = blockLength(at, o, 28);
    ifaces.clear();
    pos = at + total;
    return total;
  }

  /** Validates the block at {@code at} (mapped at {@code o}): length rules and trailer; maps it whole. */
  private int blockLength(long at, int o, int min) {
    final int total = mf.window().getInt(o + 4);
    if (total < min || total > MAX_BLOCK || (total & 3) != 0) {
      throw InputException.atOffset(mf.path(), at, "bad block total length " + Integer.toUnsignedString(total)
          + (total >= min && (total & 3) != 0 ? " (not a multiple of 4)" : ""));
    }
    final int m = mf.map(at, total);
    if (m < 0) {
      throw InputException.atOffset(mf.path(), at, "truncated block: length " + total + " but only "
          + (mf.size() - at) + " bytes left in the file");
    }
    if (mf.window().getInt(m + total - 4) != total) {
      throw InputException.atOffset(mf.path(), at,
          "block total length in header and trailer don't match");
    }
    return total;
  }

  @Override
  public boolean next(CapturedPacket into) {
    if (done) {
      return false;
    }
    try {
      while (true) {
        final long at = pos;
        if (at == mf.size()) {
          done = true;
          return false;
        }
        int o = mf.map(at, 8);
        if (o < 0) {
          throw InputException.atOffset(mf.path(), at,
              "truncated block header: " + (mf.size() - at) + " of 8 bytes");
        }
        final int type = mf.window().getInt(o);
        if (type == SHB || Integer.reverseBytes(type) == SHB) {
          readShb(at);
          continue;
        }
        final int total = blockLength(at, o, 12);
        o = mf.map(at, total);
        pos = at + total;
        if (type == IDB) {
          readIdb(at, o, total);
        } else if (type == EPB || type == PB || type == SPB) {
          if (packet(type, at, o, total, into)) {
            return true;
          }
        }
      }
    } catch (InputException e) {
      done = true;
      error = e;
      return false;
    }
  }

  private void readIdb(long at, int o, int total) {
    if (total < 20) {
      throw InputException.atOffset(mf.path(), at, "interface description block too short");
    }
    final ByteBuffer w = mf.window();
    final Iface f = new Iface();
    f.linkType = w.getShort(o + 8) & 0xffff;
    final int snap = w.getInt(o + 12);
    f.snaplen = snap <= 0 || snap > PcapReader.MAX_SNAPLEN ? PcapReader.MAX_SNAPLEN : snap;
    int p = o + 16;
    final int end = o + total - 4;
    while (p + 4 <= end) {
      final int code = w.getShort(p) & 0xffff;
      final int len = w.getShort(p + 2) & 0xffff;
      final int v = p + 4;
      if (code == 0) {
        break;
      }
      if (v + len > end) {
        throw InputException.atOffset(mf.path(), at + (p - o), "option length " + len
            + " beyond the interface description block");
      }
      if (code == 2) { // if_name
        int n = 0;
        while (n < len && w.get(v + n) != 0) {
          n++;
        }
        final byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
          b[i] = w.get(v + i);
        }
        f.name = new String(b, StandardCharsets.UTF_8).intern();
      } else if (code == 9 && len >= 1) { // if_tsresol
        final int r = w.get(v) & 0xff;
        f.binaryResolution = (r & 0x80) != 0;
        f.resolutionExp = r & 0x7f;
        if (f.binaryResolution ? f.resolutionExp > 63 : f.resolutionExp > 19) {
          throw InputException.atOffset(mf.path(), at + (p - o),
              "unsupported if_tsresol 0x" + Integer.toHexString(r));
        }
      } else if (code == 14 && len >= 8) { // if_tsoffset (seconds)
        f.offsetSeconds = w.getLong(v);
      }
      p = v + ((len + 3) & ~3);
    }
    ifaces.add(f);
  }

  private boolean packet(int type, long at, int o, int total, CapturedPacket into) {
    final ByteBuffer w = mf.window();
    final int ifId;
    final long units;
    final long caplen;
    final long origlen;
    final int data;
    if (type == SPB) {
      if (total < 16) {
        throw InputException.atOffset(mf.path(), at, "simple packet block too short");
      }
      ifId = 0;
      origlen = w.getInt(o + 8) & 0xffffffffL;
      data = o + 12;
      units = 0;
      final Iface f = iface(at, 0);
      caplen = Math.min(Math.min(origlen, total - 16), f.snaplen);
    } else {
      if (total < 32) {
        throw InputException.atOffset(mf.path(), at, "packet block too short");
      }
      ifId = type == EPB ? w.getInt(o + 8) : w.getShort(o + 8) & 0xffff;
      units = ((long) w.getInt(o + 12) << 32) | (w.getInt(o + 16) & 0xffffffffL);
      caplen = w.getInt(o + 20) & 0xffffffffL;
      origlen = w.getInt(o + 24) & 0xffffffffL;
      data = o + 28;
      if (caplen > total - 32) {
        throw InputException.atOffset(mf.path(), at, "caplen " + caplen
            + " beyond the packet block (length " + total + ")");
      }
    }
    final Iface f = iface(at, ifId);
    final int deliver = (int) Math.min(caplen, f.snaplen);
    final long ts = toNanos(units, f) + f.offsetSeconds * 1_000_000_000L;
    into.set(w, data, deliver, (int) origlen, type == SPB ? 0 : ts, f.linkType, ifId, f.name,
        mf.path(), fileIndex, at, index++);
    return true;
  }

  private Iface iface(long at, int id) {
    if (id < 0 || id >= ifaces.size()) {
      throw InputException.atOffset(mf.path(), at, "a packet arrived on interface " + id
          + ", but there's no interface description block for that interface");
    }
    return ifaces.get(id);
  }

  /** Converts time stamp units (unsigned 64-bit) to nanoseconds, truncating like libpcap. */
  static long toNanos(long units, boolean binary, int exp) {
    if (binary) {
      if (exp == 0) {
        return units * 1_000_000_000L;
      }
      final long sec = units >>> exp;
      final long frac = exp == 64 ? units : units & ((1L << exp) - 1);
      final long hi = Math.multiplyHigh(frac, 1_000_000_000L);
      final long lo = frac * 1_000_000_000L;
      final long fracNanos = exp == 64 ? hi : (hi << (64 - exp)) | (lo >>> exp);
      return sec * 1_000_000_000L + fracNanos;
    }
    if (exp <= 9) {
      long scale = 1;
      for (int i = exp; i < 9; i++) {
        scale *= 10;
      }
      return units * scale;
    }
    long div = 1;
    for (int i = 9; i < exp; i++) {
      div *= 10;
    }
    return Long.divideUnsigned(units, div);
  }

  private static long toNanos(long units, Iface f) {
    return toNanos(units, f.binaryResolution, f.resolutionExp);
  }
}
