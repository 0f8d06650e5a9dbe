package io.nfeval.capture;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A lock-free single-producer single-consumer ring of captured packets over one preallocated byte
 * arena: the capture thread copies each packet in ({@link #offer}), the evaluation thread reads it in
 * place ({@link #peek}) and gives the space back ({@link #release}). Records are variable-sized (a
 * 1500-byte frame takes 1.5 KB, a 64 KB GRO super-packet 64 KB), so a fixed arena holds as many
 * packets as their sizes allow; nothing is allocated per packet.
 *
 * <p>Record layout, 8-byte aligned, never split across the end of the arena:
 * {@code int recordLength, int capLen, int wireLen, int pad, long tsNanos, byte[capLen]}. When a record
 * does not fit before the end, the producer writes a padding record (length with the sign bit set) and
 * continues at offset 0.
 *
 * <p>Memory ordering: the producer writes the record with plain stores, then publishes {@code head}
 * with release semantics; the consumer reads {@code head} with acquire semantics before reading the
 * record, and publishes {@code tail} with release after it is done, which the producer reads with
 * acquire before reusing the space (the usual SPSC hand-off, as in Agrona's OneToOneRingBuffer or
 * JCTools' SpscArrayQueue). The producer never blocks: when the record does not fit it returns false and
 * counts a drop.
 */
public final class PacketRing {
  static final int HEADER = 24;
  private static final int PADDING = 0x8000_0000;
  private static final VarHandle HEAD;
  private static final VarHandle TAIL;

  static {
    try {
      final MethodHandles.Lookup l = MethodHandles.lookup();
      HEAD = l.findVarHandle(PacketRing.class, "head", long.class);
      TAIL = l.findVarHandle(PacketRing.class, "tail", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final byte[] arena;
  private final ByteBuffer buf;
  private final int capacity;
  private final int mask;

  // Producer-owned (head is also read by the consumer).
  @SuppressWarnings("unused")
  private volatile long head;
  private long tailCache;
  private long offered;
  private long dropped;
  private long highWaterBytes;
  private long highWaterPackets;

  // Consumer-owned (tail is also read by the producer).
  @SuppressWarnings("unused")
  private volatile long tail;
  private long consumed;
  private long consumedPublished;
  private static final VarHandle CONSUMED;

  static {
    try {
      CONSUMED = MethodHandles.lookup().findVarHandle(PacketRing.class, "consumedPublished", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private long peekLen;

  /** A ring of {@code capacityBytes}, rounded up to a power of two (at least 64 KiB). */
  public PacketRing(int capacityBytes) {
    int c = 1 << 16;
    while (c < capacityBytes && c < (1 << 30)) {
      c <<= 1;
    }
    this.capacity = c;
    this.mask = c - 1;
    this.arena = new byte[c];
    this.buf = ByteBuffer.wrap(arena).order(ByteOrder.nativeOrder());
  }

  public int capacity() {
    return capacity;
  }

  /** The largest packet a record can carry (longer packets are truncated by {@link #offer}). */
  public int maxPacket() {
    return capacity / 2 - HEADER;
  }

  private static int align(int n) {
    return (n + 7) & ~7;
  }

  /**
   * Producer: copies {@code len} bytes of {@code packet} (truncated to {@link #maxPacket()}) with its
   * wire length and time stamp. Returns false, counting a drop, when the ring has no room.
   */
  public boolean offer(byte[] packet, int len, int wireLen, long tsNanos) {
    offered++;
    final int capLen = Math.min(len, maxPacket());
    final int need = align(HEADER + capLen);
    final long h = head;
    final int at = (int) (h & mask);
    final int toEnd = capacity - at;
    final int total = need <= toEnd ? need : toEnd + need;
    if (h + total - tailCache > capacity) {
      tailCache = (long) TAIL.getAcquire(this);
      if (h + total - tailCache > capacity) {
        dropped++;
        return false;
      }
    }
    int pos = at;
    long nh = h;
    if (need > toEnd) {
      buf.putInt(at, PADDING | toEnd);
      nh += toEnd;
      pos = 0;
    }
    buf.putInt(pos, need);
    buf.putInt(pos + 4, capLen);
    buf.putInt(pos + 8, wireLen);
    buf.putLong(pos + 16, tsNanos);
    System.arraycopy(packet, 0, arena, pos + HEADER, capLen);
    nh += need;
    final long used = nh - tailCache;
    if (used > highWaterBytes) {
      highWaterBytes = used;
    }
    final long inQueue = offered - dropped - (long) CONSUMED.getOpaque(this);
    if (inQueue > highWaterPackets) {
      highWaterPackets = inQueue;
    }
    HEAD.setRelease(this, nh);
    return true;
  }

  /**
   * Consumer: positions on the next record and returns its offset in {@link #buffer()} (the record's
   * header; the packet starts at {@code offset + }{@link #HEADER}), or -1 when the ring is empty. The
   * record stays valid until {@link #release()}.
   */
  public int peek() {
    long t = tail;
    final long h = (long) HEAD.getAcquire(this);
    if (t == h) {
      return -1;
    }
    int at = (int) (t & mask);
    int len = buf.getInt(at);
    if ((len & PADDING) != 0) {
      t += len & ~PADDING;
      TAIL.setRelease(this, t);
      if (t == h) {
        return -1;
      }
      at = (int) (t & mask);
      len = buf.getInt(at);
    }
    peekLen = len;
    return at;
  }

  /** Consumer: frees the record {@link #peek()} returned. */
  public void release() {
    consumed++;
    CONSUMED.setOpaque(this, consumed);
    TAIL.setRelease(this, tail + peekLen);
  }

  /** The arena (records are read with absolute gets at the offsets {@link #peek()} returns). */
  public ByteBuffer buffer() {
    return buf;
  }

  public int capLen(int record) {
    return buf.getInt(record + 4);
  }

  public int wireLen(int record) {
    return buf.getInt(record + 8);
  }

  public long tsNanos(int record) {
    return buf.getLong(record + 16);
  }

  public static int dataOffset(int record) {
    return record + HEADER;
  }

  /** Packets offered by the producer (read racily by the status line: an estimate). */
  public long offered() {
    return offered;
  }

  /** Packets the producer could not queue because the ring was full. */
  public long dropped() {
    return dropped;
  }

  /** Packets the consumer has released. */
  public long consumed() {
    return (long) CONSUMED.getOpaque(this);
  }

  /** Most bytes ever in use (records and padding). */
  public long highWaterBytes() {
    return highWaterBytes;
  }

  /** Most packets ever queued at once. */
  public long highWaterPackets() {
    return highWaterPackets;
  }
}
