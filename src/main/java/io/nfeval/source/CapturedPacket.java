package io.nfeval.source;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * One captured frame as a reader delivers it: a reusable holder filled by
 * {@link CaptureReader#next(CapturedPacket)}, so reading allocates nothing per packet. The bytes are
 * {@code buffer[offset, offset+capLen)} (absolute positions; the buffer's position and limit mean
 * nothing). They stay valid until the reader is closed for the memory-mapped readers, and for the
 * libpcap reader as long as the holder is not refilled (each libpcap record is a fresh array).
 * The buffer is shared and read-only for the mmap readers, and its {@link ByteBuffer#order()} is the
 * file's header byte order: read packet bytes with absolute byte gets (as {@link
 * io.nfeval.packet.PacketView} does) and copy them before rewriting.
 */
public final class CapturedPacket {
  private ByteBuffer buffer;
  private int offset;
  private int capLen;
  private int wireLen;
  private long tsNanos;
  private int linkType;
  private int interfaceId;
  private String interfaceName;
  private Path file;
  private int fileIndex;
  private long recordOffset;
  private long packetIndex;

  /** Fills every field (readers call this). */
  public CapturedPacket set(ByteBuffer buffer, int offset, int capLen, int wireLen, long tsNanos,
      int linkType, int interfaceId, String interfaceName, Path file, int fileIndex,
      long recordOffset, long packetIndex) {
    this.buffer = buffer;
    this.offset = offset;
    this.capLen = capLen;
    this.wireLen = wireLen;
    this.tsNanos = tsNanos;
    this.linkType = linkType;
    this.interfaceId = interfaceId;
    this.interfaceName = interfaceName;
    this.file = file;
    this.fileIndex = fileIndex;
    this.recordOffset = recordOffset;
    this.packetIndex = packetIndex;
    return this;
  }

  /** Points the packet at a copy of its bytes: {@code buffer[offset, offset+capLen)}. */
  public CapturedPacket rebase(ByteBuffer buffer, int offset) {
    this.buffer = buffer;
    this.offset = offset;
    return this;
  }

  /** Copies every field (the bytes are shared, not copied). */
  public CapturedPacket copyFrom(CapturedPacket o) {
    return set(o.buffer, o.offset, o.capLen, o.wireLen, o.tsNanos, o.linkType, o.interfaceId,
        o.interfaceName, o.file, o.fileIndex, o.recordOffset, o.packetIndex);
  }

  public ByteBuffer buffer() {
    return buffer;
  }

  public int offset() {
    return offset;
  }

  /** Bytes captured (after libpcap's snaplen clamp). */
  public int capLen() {
    return capLen;
  }

  /** Length on the wire, unsigned 32-bit as in the file ({@link Integer#toUnsignedLong}). */
  public int wireLen() {
    return wireLen;
  }

  /** Time stamp in nanoseconds since the epoch (UTC). */
  public long tsNanos() {
    return tsNanos;
  }

  /** LINKTYPE_ value (libpcap DLTs are mapped back, see {@link io.nfeval.packet.LinkType#fromDlt}). */
  public int linkType() {
    return linkType;
  }

  /** pcapng interface id within its section; 0 for pcap and libpcap. */
  public int interfaceId() {
    return interfaceId;
  }

  /** pcapng if_name of the interface (one String per interface), or null. */
  public String interfaceName() {
    return interfaceName;
  }

  public Path file() {
    return file;
  }

  /** Index of the file in the list the caller opened (as given to {@link CaptureReaders#open}). */
  public int fileIndex() {
    return fileIndex;
  }

  /** Byte offset of the record (pcap record header / pcapng block) in the file; -1 for libpcap. */
  public long recordOffset() {
    return recordOffset;
  }

  /** 0-based index of the packet within its file. */
  public long packetIndex() {
    return packetIndex;
  }

  /** Copies the captured bytes into a new array (tests, diagnostics; not for the hot path). */
  public byte[] bytes() {
    final byte[] b = new byte[capLen];
    for (int i = 0; i < capLen; i++) {
      b[i] = buffer.get(offset + i);
    }
    return b;
  }
}
